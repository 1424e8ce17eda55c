internal import EdgeTLS

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS Signature Version 4 for one region and service, in header form (`Authorization`) and in
/// presigned form (query parameters).
///
/// Pure: no I/O and no clock, the signing time is an argument. Copies share one
/// `SigningKeyCache`, so a signer can be handed to every event loop.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var region: String
    public var service: String
    public var options: SigV4Options
    public let keyCache: SigningKeyCache

    public init(region: String, service: String = "s3", options: SigV4Options = .s3, keyCache: SigningKeyCache = SigningKeyCache()) {
        self.region = region
        self.service = service
        self.options = options
        self.keyCache = keyCache
    }

    /// Signs `request` for the `Authorization` header at `date`.
    public func sign(
        _ request: SigV4Request, credentials: SigV4Credentials, date: Date
    ) throws(SigV4Error) -> SigV4SignedRequest {
        let time = SigV4Timestamp(date)
        var added: [(name: String, value: String)] = [("x-amz-date", time.dateTime)]
        if options.signsContentSHA256Header {
            added.append(("x-amz-content-sha256", request.payloadHash.value))
        }
        if let token = credentials.sessionToken {
            added.append(("x-amz-security-token", token))
        }
        let headers = CanonicalHeaders(Self.withoutOwnedHeaders(request.headers) + added)
        guard headers.containsHost else { throw .missingHostHeader }

        let query = CanonicalQuery.make(request.query)
        let signing = signature(request, query: query, headers: headers, credentials: credentials, time: time)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(time)), "
            + "SignedHeaders=\(headers.signedNames), Signature=\(signing.signature)"
        return SigV4SignedRequest(
            headers: [("Authorization", authorization)] + added,
            query: query,
            authorization: authorization,
            signedHeaders: headers.signedNames,
            signature: signing.signature,
            canonicalRequest: signing.canonicalRequest,
            stringToSign: signing.stringToSign
        )
    }

    /// Presigns `request`: the returned query, appended to the path, makes a URL that works
    /// without headers until `date + expires`. For S3, pass `payloadHash: .unsignedPayload`.
    public func presign(
        _ request: SigV4Request, credentials: SigV4Credentials, date: Date, expires: Duration
    ) throws(SigV4Error) -> SigV4PresignedRequest {
        let (seconds, attoseconds) = expires.components
        guard attoseconds == 0, (1...604_800).contains(seconds) else { throw .expiryOutOfRange(expires) }
        let time = SigV4Timestamp(date)
        let headers = CanonicalHeaders(Self.withoutOwnedHeaders(request.headers))
        guard headers.containsHost else { throw .missingHostHeader }

        var authItems: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(time))"),
            ("X-Amz-Date", time.dateTime),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", headers.signedNames),
        ]
        if let token = credentials.sessionToken {
            authItems.append(("X-Amz-Security-Token", token))
        }
        let ownItems = request.query.filter { !Self.presignParameterNames.contains($0.name) }
        let signing = signature(
            request, query: CanonicalQuery.make(ownItems + authItems), headers: headers,
            credentials: credentials, time: time
        )
        let items = ownItems + authItems + [("X-Amz-Signature", signing.signature)]
        return SigV4PresignedRequest(
            queryItems: items,
            query: CanonicalQuery.wireForm(items),
            signedHeaders: headers.signedNames,
            signature: signing.signature,
            canonicalRequest: signing.canonicalRequest,
            stringToSign: signing.stringToSign
        )
    }

    /// `20150830/us-east-1/service/aws4_request`.
    func scope(_ time: SigV4Timestamp) -> String {
        "\(time.date)/\(region)/\(service)/aws4_request"
    }

    /// The canonical request, string to sign and signature of `request` with `query` and
    /// `headers` already canonical; `SigV4Verifier` rebuilds a received request's with it. Of
    /// `request` only the method, path and payload hash are read.
    func signature(
        _ request: SigV4Request, query: String, headers: CanonicalHeaders,
        credentials: SigV4Credentials, time: SigV4Timestamp
    ) -> (canonicalRequest: String, stringToSign: String, signature: String) {
        let canonicalRequest = [
            request.method,
            CanonicalURI.make(path: request.path, rule: options.pathRule),
            query,
            headers.block,
            headers.signedNames,
            request.payloadHash.value,
        ].joined(separator: "\n")
        let stringToSign = [
            Self.algorithm, time.dateTime, scope(time), HexEncoding.lowercase(SHA256.hash(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        let key = keyCache.signingKey(
            for: .init(secretAccessKey: credentials.secretAccessKey, date: time.date, region: region, service: service)
        )
        let signature = HexEncoding.lowercase(HMACSHA256.authenticationCode(key: key, message: stringToSign.utf8))
        return (canonicalRequest, stringToSign, signature)
    }

    private static let ownedHeaderNames: Set<String> = [
        "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token",
    ]

    private static let presignParameterNames: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
    ]

    private static func withoutOwnedHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !ownedHeaderNames.contains(CanonicalHeaders.canonicalName($0.name)) }
    }
}
