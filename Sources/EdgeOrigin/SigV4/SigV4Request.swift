/// One HTTP request as it will be sent, before signing.
///
/// `path` is the path **exactly as it goes on the wire**, already percent-encoded; for S3 objects
/// build it with `S3ObjectPath.encode(key:)` and send that same string. Query names and values
/// are **not** encoded: the signer encodes them once, and returns the encoded query to send.
/// Headers are the ones to sign; they must include `Host`. The signer owns `Authorization`,
/// `x-amz-date`, `x-amz-content-sha256` and `x-amz-security-token`: values given here for those
/// are replaced.
public struct SigV4Request: Sendable {
    /// The HTTP method as sent, e.g. `GET`.
    public var method: String
    /// The percent-encoded path as sent, starting with `/`, e.g. `/photos/caf%C3%A9.jpg`.
    public var path: String
    /// Unencoded query parameters, e.g. `("prefix", "photos/")`; a key-only parameter has value `""`.
    public var query: [(name: String, value: String)]
    /// Headers to sign, e.g. `("Host", "bucket.s3.eu-west-2.amazonaws.com")`, `("Range", "bytes=0-9")`.
    public var headers: [(name: String, value: String)]
    /// What the canonical request states about the body.
    public var payloadHash: SigV4PayloadHash

    public init(
        method: String = "GET",
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        payloadHash: SigV4PayloadHash = .emptyBody
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

extension SigV4Request: CustomStringConvertible {
    /// Method, path and header names; values of credential-bearing headers print as `****`.
    public var description: String {
        let headerText = headers.map { "\($0.name): \(SigV4Redaction.headerValue(name: $0.name, value: $0.value))" }
        return "\(method) \(path) query=\(query.count) [\(headerText.joined(separator: ", "))]"
    }
}

/// The last line of the canonical request: the hex SHA-256 of the body, or a keyword that
/// tells the service the body is not signed.
public struct SigV4PayloadHash: Sendable, Hashable, CustomStringConvertible {
    /// The text placed in the canonical request (and, for S3, in `x-amz-content-sha256`).
    public let value: String

    /// A precomputed lowercase hex SHA-256 of the body.
    public init(sha256Hex: String) {
        self.value = sha256Hex
    }

    private init(keyword: String) {
        self.value = keyword
    }

    /// The SHA-256 of an empty body, for GET and HEAD:
    /// `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.
    public static let emptyBody = SigV4PayloadHash(
        sha256Hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )

    /// `UNSIGNED-PAYLOAD`: what S3 presigned URLs use, since the body is unknown when signing.
    public static let unsignedPayload = SigV4PayloadHash(keyword: "UNSIGNED-PAYLOAD")

    public var description: String { value }
}
