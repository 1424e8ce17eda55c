/// Key `cache.encryption`: how cached objects are encrypted on disk. Optional; without it the
/// cache is stored in clear (`check-config` says so when `mode: none` is written).
public enum CacheEncryptionSettings: Sendable, Equatable {
    /// `mode: none`: objects are stored as received.
    case none
    /// `mode: kms`: a data key from AWS KMS under the customer's key encrypts the cache; only
    /// its encrypted copy is kept on disk, and KMS decrypts it at each start.
    case kms(KMSEncryptionSettings)
    /// `mode: key_file`: a 32-byte key read from `path` (absolute, resolved against the
    /// configuration's directory), e.g. a systemd credential under /run/credentials. `line` is
    /// the line of `key_file`, for diagnostics.
    case keyFile(path: String, line: Int)

    /// Lines are not part of equality: moving the section in the file changes nothing.
    public static func == (lhs: CacheEncryptionSettings, rhs: CacheEncryptionSettings) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case (.kms(let left), .kms(let right)): return left == right
        case (.keyFile(let left, _), .keyFile(let right, _)): return left == right
        default: return false
        }
    }
}

/// `cache.encryption` with `mode: kms`: which KMS key protects the cache's data key, where
/// KMS is, and whose credentials call it.
public struct KMSEncryptionSettings: Sendable, Equatable {
    /// `kms_key_id`: a key id, `alias/NAME`, or a key or alias ARN, exactly as written.
    public var keyID: String
    /// `kms_region`, or the region of the `kms_key_id` ARN.
    public var region: String
    /// `kms_endpoint` (`scheme://host[:port]`), nil when not written: then
    /// `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL` or `https://kms.REGION.amazonaws.com`.
    public var endpoint: String?
    /// `credentials`, same forms as an origin's; default the default chain.
    public var credentials: OriginCredentialsSettings
    /// Line of `kms_key_id`, for diagnostics; not part of equality.
    public var line: Int

    public init(
        keyID: String, region: String, endpoint: String? = nil, credentials: OriginCredentialsSettings = .defaultChain,
        line: Int = 0
    ) {
        self.keyID = keyID
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.line = line
    }

    public static func == (lhs: KMSEncryptionSettings, rhs: KMSEncryptionSettings) -> Bool {
        lhs.keyID == rhs.keyID && lhs.region == rhs.region && lhs.endpoint == rhs.endpoint
            && lhs.credentials == rhs.credentials
    }
}
