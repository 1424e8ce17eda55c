/// Which deadline of `OriginTimeouts` ran out.
public enum OriginTimeoutPhase: String, Sendable, Equatable {
    case connect
    case firstByte = "first byte"
    case idle
    case total
}

/// Why an origin fetch failed. Every case names its cause and what to check in `description`.
public enum OriginError: Error, Sendable, Equatable {
    case timeout(phase: OriginTimeoutPhase)
    /// TCP connect failed (refused, unreachable) or the origin closed without answering.
    case connectionFailed(reason: String)
    case dnsFailed(reason: String)
    case tlsFailed(reason: String)
    /// The connection broke (reset, send or receive error).
    case reset(reason: String)
    /// The body ended before its `Content-Length` (`expected` is nil when no length was given).
    case truncated(expected: Int?, received: Int)
    /// The origin's answer is not HTTP/1.x the client can pass on.
    case invalidResponse(reason: String)
    /// The request could not be handed to curl (malformed URL or header). A bug in the caller.
    case invalidRequest(reason: String)
    /// Any other libcurl failure, with curl's own message.
    case transferFailed(reason: String)
    /// `OriginFetch.cancel()` was called.
    case cancelled
    /// `OriginClient.shutdown()` ended the fetch.
    case clientShutdown

    /// The status a viewer gets when this error ends its request before any response was sent:
    /// 504 for timeouts, 502 for a failed or broken origin, 503 while shutting down, 500 for a
    /// request the edge built wrongly. `cancelled` maps to 499 (nginx's "client closed request"),
    /// which only appears in logs: there is no viewer left to answer.
    public var viewerStatus: Int {
        switch self {
        case .timeout: 504
        case .connectionFailed, .dnsFailed, .tlsFailed, .reset, .truncated, .invalidResponse, .transferFailed: 502
        case .invalidRequest: 500
        case .clientShutdown: 503
        case .cancelled: 499
        }
    }
}

extension OriginError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .timeout(.connect):
            "origin connect timeout: no connection to the origin within timeouts.connect; check that the bucket endpoint's host and port are reachable from this machine (DNS, firewall, routing), or raise the connect timeout"
        case .timeout(.firstByte):
            "origin first-byte timeout: the origin accepted the request but did not start answering within timeouts.first_byte; check the origin's health, or raise the first-byte timeout"
        case .timeout(.idle):
            "origin idle timeout: the origin stopped sending the response for longer than timeouts.idle; the partial object is not cached. Check the network path to the origin, or raise the idle timeout"
        case .timeout(.total):
            "origin total timeout: the fetch took longer than timeouts.total; large objects over a slow link need a larger total timeout"
        case .connectionFailed(let reason):
            "could not connect to the origin (\(reason)): check the endpoint host and port and that the origin is up"
        case .dnsFailed(let reason):
            "could not resolve the origin host (\(reason)): check the bucket endpoint name (region, bucket) and this machine's DNS resolver"
        case .tlsFailed(let reason):
            "TLS with the origin failed (\(reason)): use the bucket's HTTPS REST endpoint (not the website endpoint) and make sure its certificate chains to a trusted CA (origin ca_file)"
        case .reset(let reason):
            "the origin connection broke (\(reason)): a transient network failure or an overloaded origin; the response is not cached"
        case .truncated(let expected?, let received):
            "the origin body ended after \(received) of \(expected) bytes: the connection closed early; the partial object is not cached"
        case .truncated(nil, let received):
            "the origin body ended early after \(received) bytes: the connection closed before the response was complete; the partial object is not cached"
        case .invalidResponse(let reason):
            "the origin's answer is not valid HTTP/1.1 (\(reason)): check that the origin is an S3 REST endpoint"
        case .invalidRequest(let reason):
            "the origin request could not be sent (\(reason)): the request built by s3edge is malformed, which is a bug"
        case .transferFailed(let reason):
            "the origin transfer failed (\(reason))"
        case .cancelled:
            "origin fetch cancelled: the viewer went away"
        case .clientShutdown:
            "origin fetch abandoned: the origin client is shutting down"
        }
    }
}
