/// Which canonicalization rules the signer applies: S3's, or the ones every other AWS service
/// uses (kept so the official SigV4 suites, written for service `service`, can be run).
public struct SigV4Options: Sendable, Hashable {
    /// How the path becomes the canonical URI.
    public enum PathRule: Sendable, Hashable {
        /// S3: the path is never normalized (`.`, `..` and `//` are part of object keys) and each
        /// segment is URI-encoded exactly once. A path made by `S3ObjectPath.encode(key:)` is its
        /// own canonical URI; a path that still holds raw characters (a space, `$`, UTF-8) gets
        /// them encoded; an escape already present (`%20`) is not encoded a second time.
        case s3
        /// Every other service: remove dot segments and collapse repeated `/` (RFC 3986 5.2.4),
        /// then URI-encode the path as sent, so `%20` on the wire is `%2520` in the canonical URI.
        case generic
    }

    public var pathRule: PathRule
    /// Whether header signing adds and signs `x-amz-content-sha256`. S3 requires it; no other
    /// service does.
    public var signsContentSHA256Header: Bool

    public init(pathRule: PathRule, signsContentSHA256Header: Bool) {
        self.pathRule = pathRule
        self.signsContentSHA256Header = signsContentSHA256Header
    }

    /// Amazon S3: no normalization, single encoding, `x-amz-content-sha256` always signed.
    public static let s3 = SigV4Options(pathRule: .s3, signsContentSHA256Header: true)
    /// Other services: normalized, re-encoded path, no `x-amz-content-sha256`.
    public static let generic = SigV4Options(pathRule: .generic, signsContentSHA256Header: false)
}
