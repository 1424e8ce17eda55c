internal import EdgeTLS

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies header-form AWS Signature Version 4 on requests a server received, for one region
/// and service under the generic (non-S3) rules: what botocore and the other AWS SDKs sign for
/// services such as `cloudfront`.
///
/// The canonical request is rebuilt from what was received with the signer's own pieces: the
/// raw path normalized and URI-encoded once more (`CanonicalURI`, generic rule), the raw query
/// decoded and re-encoded, sorted (`CanonicalQuery`), exactly the headers `SignedHeaders` names
/// (`CanonicalHeaders`), the body's hash, or `x-amz-content-sha256` when the client sent one.
/// The signature is compared in constant time.
///
/// Pure: no I/O and no clock (`now` is an argument). Presigned (query-string) requests, SigV4a
/// and S3's path and payload rules are not handled: such requests fail to verify.
public struct SigV4Verifier: Sendable {
    /// How far `X-Amz-Date` may be from the server's clock either way, as AWS allows: an older
    /// request is refused as a possible replay.
    public static let maximumSkew: Duration = .seconds(900)

    public var region: String { signer.region }
    public var service: String { signer.service }
    private let signer: SigV4Signer

    /// A verifier for requests signed for `region` and `service` (e.g. `us-east-1`, `cloudfront`).
    /// Signing keys are derived once per secret and day and kept in `keyCache`.
    public init(region: String, service: String, keyCache: SigningKeyCache = SigningKeyCache()) {
        signer = SigV4Signer(region: region, service: service, options: .generic, keyCache: keyCache)
    }

    /// Verifies `request` at `now`. `secretAccessKey` returns the secret of an access key ID, or
    /// `nil` for an unknown one. Success carries the access key ID that signed the request.
    ///
    /// The cheap checks (header shape, date, scope) run first; the secret is looked up and the
    /// HMACs computed only for a request that passes them.
    public func verify(
        _ request: SigV4ReceivedRequest, now: Date, secretAccessKey: (_ accessKeyID: String) -> String?
    ) -> Result<String, SigV4VerificationFailure> {
        Result { () throws(SigV4VerificationFailure) -> String in
            let checked = try check(request, now: now)
            guard let secret = secretAccessKey(checked.authorization.accessKeyID) else { throw .unknownAccessKey }
            let expected = try canonicalSignature(request, checked, secret: secret).signature
            guard ConstantTime.equals(expected.utf8, checked.authorization.signature.utf8) else {
                throw .signatureMismatch
            }
            if let declared = checked.declaredPayloadHash, declared != request.payloadHash.value {
                throw .payloadHashMismatch
            }
            return checked.authorization.accessKeyID
        }
    }

    /// What `check` established about a request, before any secret is involved.
    struct Checked {
        var authorization: SigV4Authorization
        var time: SigV4Timestamp
        /// `x-amz-content-sha256`, when sent: it replaces the body's hash in the canonical request.
        var declaredPayloadHash: String?
    }

    /// The checks that need no secret: the `Authorization` header's shape, `host` and
    /// `x-amz-date` signed, `X-Amz-Date` present and within the skew, the scope.
    func check(_ request: SigV4ReceivedRequest, now: Date) throws(SigV4VerificationFailure) -> Checked {
        let authorizations = request.values(of: "authorization")
        guard let value = authorizations.first else { throw .missingAuthorization }
        guard authorizations.count == 1 else { throw .malformedAuthorization }
        let authorization = try SigV4Authorization(parsing: value)
        guard authorization.signedHeaders.contains("host") else { throw .hostNotSigned }
        guard authorization.signedHeaders.contains("x-amz-date") else { throw .dateNotSigned }

        let dates = request.values(of: "x-amz-date")
        guard dates.count == 1, let signedAt = SigV4Timestamp.instant(parsing: CanonicalHeaders.trimmed(dates[0])) else {
            throw .dateMissingOrMalformed
        }
        let skew = TimeInterval(Self.maximumSkew.components.seconds)
        let age = now.timeIntervalSince(signedAt)
        guard age <= skew else { throw .requestTooOld }
        guard age >= -skew else { throw .requestTooFarInFuture }

        let time = SigV4Timestamp(signedAt)
        guard authorization.scopeDate == time.date else { throw .wrongScope(.date) }
        guard authorization.region == region else { throw .wrongScope(.region) }
        guard authorization.service == service else { throw .wrongScope(.service) }

        let declared = request.values(of: "x-amz-content-sha256")
        return Checked(
            authorization: authorization, time: time,
            declaredPayloadHash: declared.isEmpty ? nil : declared.map(CanonicalHeaders.trimmed).joined(separator: ",")
        )
    }

    /// The canonical request, string to sign and signature the client should have computed.
    func canonicalSignature(
        _ request: SigV4ReceivedRequest, _ checked: Checked, secret: String
    ) throws(SigV4VerificationFailure) -> (canonicalRequest: String, stringToSign: String, signature: String) {
        let signedNames = Set(checked.authorization.signedHeaders)
        let headers = CanonicalHeaders(request.headers.filter { signedNames.contains(CanonicalHeaders.canonicalName($0.name)) })
        guard headers.signedNames == checked.authorization.signedHeadersText else {
            let present = Set(headers.signedNames.split(separator: ";").map(String.init))
            throw .signedHeaderMissing(checked.authorization.signedHeaders.first { !present.contains($0) } ?? "")
        }
        let payloadHash = checked.declaredPayloadHash.map(SigV4PayloadHash.init(sha256Hex:)) ?? request.payloadHash
        return signer.signature(
            SigV4Request(method: request.method, path: String(request.path), headers: [], payloadHash: payloadHash),
            query: CanonicalQuery.make(receivedQuery: request.query),
            headers: headers,
            credentials: SigV4Credentials(accessKeyID: checked.authorization.accessKeyID, secretAccessKey: secret),
            time: checked.time
        )
    }
}

extension CanonicalQuery {
    /// The canonical query of a query string as received: each name and value percent-decoded
    /// and encoded again by SigV4's rules, so `%e1%88%b4`, `%E1%88%B4` and the raw UTF-8 all
    /// become `%E1%88%B4`, as the client encoded them before signing. Empty `&&` items are
    /// skipped; a name without `=` has an empty value. `+` stays `+` (encoded `%2B`): SigV4
    /// clients send a space as `%20`, never as `+`.
    static func make(receivedQuery query: Substring) -> String {
        sortedAndJoined(
            query.utf8.split(separator: UInt8(ascii: "&")).map { item in
                let parts = item.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                return (reencoded(parts[0]), parts.count > 1 ? reencoded(parts[1]) : "")
            }
        )
    }

    private static func reencoded(_ component: some Collection<UInt8>) -> String {
        URIEncoding.encode(URIEncoding.decode(component), keepingSlash: false)
    }
}
