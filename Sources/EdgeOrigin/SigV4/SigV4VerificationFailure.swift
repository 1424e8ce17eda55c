/// Why a SigV4-signed request was refused. Each case names the cause for the **server's log**;
/// the client gets only a bare 401/403, so that a forger learns nothing about which check failed.
public enum SigV4VerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The part of the credential scope (`AKID/date/region/service/aws4_request`) that is wrong.
    public enum ScopePart: String, Sendable, Hashable {
        /// The scope's date is not the date of `X-Amz-Date`.
        case date
        case region
        case service
    }

    /// No `Authorization` header.
    case missingAuthorization
    /// `Authorization` is not `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
    /// (parameters missing or repeated, a credential that is not five `/`-separated parts,
    /// signed header names not lower-case and sorted, a signature that is not 64 hex digits),
    /// or it was sent twice.
    case malformedAuthorization
    /// An `Authorization` scheme other than `AWS4-HMAC-SHA256` (SigV4a, SigV2, `Bearer`, …).
    case unsupportedAlgorithm
    /// The access key ID of the credential is not one the server knows.
    case unknownAccessKey
    /// The credential scope is for another date, region or service than the request.
    case wrongScope(ScopePart)
    /// `X-Amz-Date` is absent, repeated, or not `YYYYMMDDTHHMMSSZ`.
    case dateMissingOrMalformed
    /// `X-Amz-Date` is more than `SigV4Verifier.maximumSkew` before the server's clock.
    case requestTooOld
    /// `X-Amz-Date` is more than `SigV4Verifier.maximumSkew` after the server's clock.
    case requestTooFarInFuture
    /// `host` is not among the signed headers, so the request could be replayed to another host.
    case hostNotSigned
    /// `x-amz-date` is not among the signed headers, so its freshness proves nothing.
    case dateNotSigned
    /// A header named in `SignedHeaders` (the lower-case name given) is not in the request.
    case signedHeaderMissing(String)
    /// The signature is not the one the access key's secret gives for this request: a wrong
    /// secret, or a request changed after signing (path, query, a signed header, or the body).
    case signatureMismatch
    /// The signature is valid, but `x-amz-content-sha256` does not match the body received.
    case payloadHashMismatch

    public var description: String {
        switch self {
        case .missingAuthorization:
            return "no Authorization header: the client sent no credentials"
        case .malformedAuthorization:
            return "the Authorization header is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… "
                + "(or was sent twice): the client is not a SigV4 signer"
        case .unsupportedAlgorithm:
            return "the Authorization scheme is not AWS4-HMAC-SHA256: only SigV4 (and bearer tokens) are accepted"
        case .unknownAccessKey:
            return "the access key ID is not configured: add it to the admin access keys, or fix the client's credentials"
        case .wrongScope(let part):
            return "the credential scope's \(part.rawValue) does not match: the client must sign for this endpoint's "
                + "region and service, with the date of its X-Amz-Date"
        case .dateMissingOrMalformed:
            return "X-Amz-Date is missing, repeated, or not YYYYMMDDTHHMMSSZ"
        case .requestTooOld:
            return "X-Amz-Date is more than 15 minutes in the past: a replayed request, or the client's clock is behind (check NTP)"
        case .requestTooFarInFuture:
            return "X-Amz-Date is more than 15 minutes in the future: the client's or the server's clock is wrong (check NTP)"
        case .hostNotSigned:
            return "the Host header is not signed: SigV4 requests must sign host"
        case .dateNotSigned:
            return "the X-Amz-Date header is not signed: SigV4 requests must sign x-amz-date"
        case .signedHeaderMissing(let name):
            return "SignedHeaders names \(name), which the request does not carry: a proxy removed it, or the client is broken"
        case .signatureMismatch:
            return "the signature does not match: a wrong secret access key, or the request was changed after signing"
        case .payloadHashMismatch:
            return "x-amz-content-sha256 does not match the body received: the body was changed or truncated in transit"
        }
    }
}
