/// Why a request could not be signed. Each case names the cause and the fix.
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// SigV4 always signs `Host`; a request without it would be refused by AWS.
    case missingHostHeader
    /// Presigned URLs must expire after a whole number of seconds between 1 s and 7 days.
    case expiryOutOfRange(Duration)

    public var description: String {
        switch self {
        case .missingHostHeader:
            return "cannot sign a request without a Host header: add the origin's host (e.g. bucket.s3.eu-west-2.amazonaws.com) to the headers to sign"
        case .expiryOutOfRange(let expiry):
            return "cannot presign with expiry \(expiry): SigV4 presigned URLs need a whole number of seconds from 1 to 604800 (7 days)"
        }
    }
}
