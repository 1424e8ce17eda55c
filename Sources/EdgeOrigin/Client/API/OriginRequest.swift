/// The methods the origin client sends. All are idempotent, which is what makes retrying a
/// failed connection safe.
public enum OriginMethod: String, Sendable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case options = "OPTIONS"
}

/// One request to the origin, already signed.
public struct OriginRequest: Sendable {
    public var method: OriginMethod
    /// `scheme://host[:port]` + path + query, exactly as signed: already percent-encoded, sent
    /// byte for byte (curl's `..` normalisation is off).
    public var url: String
    /// Sent in order. A `Host` header here replaces the one curl derives from `url`.
    public var headers: [(String, String)]
    public var timeouts: OriginTimeouts

    public init(method: OriginMethod = .get, url: String, headers: [(String, String)] = [],
                timeouts: OriginTimeouts = OriginTimeouts()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.timeouts = timeouts
    }
}

/// How long each phase of a fetch may take before it fails with `OriginError.timeout` (504).
public struct OriginTimeouts: Sendable, Equatable {
    /// DNS, TCP and TLS handshake of a new connection (curl's connect timeout).
    public var connect: Duration
    /// From the request being sent to the first byte of the response.
    public var firstByte: Duration
    /// Longest gap between response bytes. Not counted while the viewer side holds the transfer
    /// paused for back-pressure: a slow viewer is not a stalled origin.
    public var idle: Duration
    /// The whole fetch, from `execute` to the last byte, retries and waiting for a free
    /// connection included.
    public var total: Duration

    public init(connect: Duration = .seconds(5), firstByte: Duration = .seconds(30),
                idle: Duration = .seconds(30), total: Duration = .seconds(300)) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive duration never becomes 0
    /// (which curl reads as "no timeout").
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return Int(millis) + (remainder > 0 ? 1 : 0)
    }
}
