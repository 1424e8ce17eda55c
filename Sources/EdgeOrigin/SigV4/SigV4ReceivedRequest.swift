internal import EdgeTLS

/// A request as a server received it, to verify its SigV4 signature.
///
/// Nothing here is decoded or normalized by the caller: the verifier rebuilds the canonical
/// request from the bytes the client sent, as the client built it from the bytes it sent.
public struct SigV4ReceivedRequest: Sendable {
    /// The method as received, e.g. `POST`.
    public var method: String
    /// The request target exactly as received, raw path and raw query:
    /// `/2020-05-31/distribution/E1/invalidation?Marker=abc&MaxItems=10`.
    public var target: String
    /// Every header field as received, in order, repeated names included. Over HTTP/2 the
    /// `:authority` pseudo-header must appear as `host` (NIO's HTTP/2-to-HTTP/1 codec does this).
    public var headers: [(name: String, value: String)]
    /// The SHA-256 of the body as received (for a body-less request, `.emptyBody`).
    public var payloadHash: SigV4PayloadHash

    public init(method: String, target: String, headers: [(name: String, value: String)], payloadHash: SigV4PayloadHash) {
        self.method = method
        self.target = target
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// A request whose body is `body`, hashed here.
    public init(method: String, target: String, headers: [(name: String, value: String)], body: some Collection<UInt8>) {
        self.init(method: method, target: target, headers: headers, payloadHash: SigV4PayloadHash(hashing: body))
    }

    /// The raw path: the target up to the first `?`.
    var path: Substring {
        target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
    }

    /// The raw query: the target after the first `?`, empty when there is none.
    var query: Substring {
        guard let mark = target.firstIndex(of: "?") else { return "" }
        return target[target.index(after: mark)...]
    }

    /// The values of every field named `name` (lower-case), in the order received.
    func values(of name: String) -> [String] {
        headers.filter { CanonicalHeaders.canonicalName($0.name) == name }.map(\.value)
    }
}

extension SigV4ReceivedRequest: CustomStringConvertible {
    /// Method, target and header names; credential-bearing values print as `****`.
    public var description: String {
        let headerText = headers.map { "\($0.name): \(SigV4Redaction.headerValue(name: $0.name, value: $0.value))" }
        return "\(method) \(target) [\(headerText.joined(separator: ", "))]"
    }
}

extension SigV4PayloadHash {
    /// The lower-case hex SHA-256 of `body`.
    public init(hashing body: some Collection<UInt8>) {
        self.init(sha256Hex: HexEncoding.lowercase(SHA256.hash(body)))
    }
}
