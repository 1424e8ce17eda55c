/// Why a request to a restricted path gets `403`. For the log: no case carries the signature or
/// the policy, so nothing a viewer sent is echoed back or written down except what `malformed`
/// names.
public enum Denial: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither signed-URL parameters nor signed cookies.
    case missing
    /// Signing parameters that cannot be used; the text says which and why.
    case malformed(String)
    /// At or after the policy's `DateLessThan` (or the canned `Expires`).
    case expired
    /// At or before the policy's `DateGreaterThan`.
    case notYetValid
    /// The viewer's address is outside the policy's `AWS:SourceIp`.
    case ipNotAllowed
    /// The requested URL does not match the policy's `Resource`.
    case resourceMismatch
    /// No trusted key has the `Key-Pair-Id`.
    case unknownKeyID
    /// The signature does not verify with the key over the policy.
    case badSignature
    /// `Hash-Algorithm` is neither `SHA1` nor `SHA256`, or the key cannot use it (ECDSA keys sign
    /// with SHA-256 only).
    case unsupportedHashAlgorithm

    public var description: String {
        switch self {
        case .missing: return "missing signature"
        case .malformed(let what): return "malformed signature: \(what)"
        case .expired: return "expired"
        case .notYetValid: return "not yet valid"
        case .ipNotAllowed: return "IP not allowed"
        case .resourceMismatch: return "resource mismatch"
        case .unknownKeyID: return "unknown key id"
        case .badSignature: return "bad signature"
        case .unsupportedHashAlgorithm: return "unsupported hash algorithm"
        }
    }
}

/// A request the signature allows.
public struct Grant: Sendable, Equatable {
    /// Where the signature came from. CloudFront looks at cookies only when the URL carries none
    /// of `Expires`, `Policy`, `Signature` and `Key-Pair-Id`.
    public enum Source: Sendable, Equatable {
        case url
        case cookies
    }

    public enum PolicyKind: Sendable, Equatable {
        /// `Expires`: the requested URL until a time.
        case canned
        /// `Policy`: a signed JSON statement.
        case custom
    }

    public var source: Source
    public var policy: PolicyKind
    public var keyPairID: String
    public var hashAlgorithm: HashAlgorithm
    /// The policy's `DateLessThan`: the grant's last second is the one before.
    public var expires: Int64
    /// The request target without the signing parameters (path, and the rest of the query in its
    /// order and bytes as received), for the cache key and the origin request: one cached object
    /// serves every valid signature.
    public var target: String
}

/// The digest signed with the key: `Hash-Algorithm` (or `CloudFront-Hash-Algorithm`) names it.
public enum HashAlgorithm: String, Sendable, Equatable {
    /// The default when the parameter is absent; RSA keys only.
    case sha1 = "SHA1"
    case sha256 = "SHA256"
}
