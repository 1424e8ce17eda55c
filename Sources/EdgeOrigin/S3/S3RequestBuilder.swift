#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What to do with a viewer request for an S3 origin: fetch exactly one object, or answer
/// locally without contacting S3.
public enum S3RequestDecision: Sendable {
    case fetch(S3ObjectRequest)
    /// `status` with a one-line `reason` for the viewer (and the debug log).
    case answer(status: Int, reason: String)
}

/// A GetObject, HeadObject or CORS preflight for one key of the configured bucket, ready for the
/// origin client: URL and headers exactly as they go on the wire.
public struct S3ObjectRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    /// The object key (prefix included), for logs.
    public var key: String
}

/// Maps viewer requests to S3 object requests. This is the one place that decides what a viewer
/// can make s3edge ask of S3, so it is deliberately narrow: GET and HEAD become GetObject and
/// HeadObject, OPTIONS a CORS preflight, on a single key under the configured prefix; no
/// sub-resource or viewer credential ever reaches S3, and query parameters only as the cache
/// policy selects them (``S3QueryForwarding``).
public struct S3RequestBuilder: Sendable {
    public let target: S3OriginTarget
    /// nil when the distribution's `signing` is `never`.
    public let signer: SigV4Signer?

    public init(target: S3OriginTarget, signer: SigV4Signer?) {
        self.target = target
        self.signer = signer
    }

    /// Viewer headers passed to S3: conditional and range headers, and CORS preflight headers.
    /// Everything else (Authorization, Cookie, x-amz-*, hop-by-hop, X-Forwarded-*) stays behind.
    static let forwardedHeaders: Set<String> = [
        "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
    ]
    static let preflightHeaders: Set<String> = ["origin", "access-control-request-method", "access-control-request-headers"]

    /// - Parameter query: decoded query parameters to send (``S3QueryForwarding``); none by default.
    public func decide(
        method: String, requestTarget: String, viewerHeaders: [(name: String, value: String)],
        query: [(name: String, value: String)] = [], credentials: SigV4Credentials?, date: Date
    ) -> S3RequestDecision {
        guard method == "GET" || method == "HEAD" || method == "OPTIONS" else {
            return .answer(status: 403, reason: "method \(method) is not allowed (allowed: GET, HEAD, OPTIONS)")
        }
        var key: String
        do {
            key = try ViewerPathDecoder.key(fromTarget: requestTarget)
        } catch {
            return .answer(status: 400, reason: error.description)
        }
        if key.isEmpty {
            guard !target.defaultRootObject.isEmpty else {
                return .answer(status: 404, reason: "no object at \"/\" (the distribution has no default_root_object)")
            }
            key = target.defaultRootObject
        }
        key = target.keyPrefix + key
        let length = key.utf8.count
        guard length <= ViewerPathDecoder.maximumKeyLength else {
            return .answer(status: 400, reason: ViewerPathDecoder.Rejection.tooLong(length).description)
        }

        let allowed = method == "OPTIONS" ? Self.forwardedHeaders.union(Self.preflightHeaders) : Self.forwardedHeaders
        var headers: [(name: String, value: String)] = [("Host", target.authority)]
        var seen: Set<String> = []
        // One of each: two Range (or If-*) fields are not a defined request to S3.
        for (name, value) in viewerHeaders where allowed.contains(name.lowercased()) && seen.insert(name.lowercased()).inserted {
            headers.append((name, value))
        }
        let path = target.wirePath(forKey: key)
        var wireQuery = CanonicalQuery.wireForm(query)
        if let signer, let credentials {
            let request = SigV4Request(method: method, path: path, query: query, headers: headers, payloadHash: .emptyBody)
            do {
                let signed = try signer.sign(request, credentials: credentials, date: date)
                headers += signed.headers
                wireQuery = signed.query
            } catch {
                return .answer(status: 500, reason: "request signing failed: \(error)")
            }
        } else if signer != nil {
            return .answer(status: 503, reason: "no AWS credentials available to sign the origin request")
        }
        let url = "\(target.scheme)://\(target.authority)\(path)" + (wireQuery.isEmpty ? "" : "?" + wireQuery)
        return .fetch(S3ObjectRequest(method: method, url: url, headers: headers, key: key))
    }
}
