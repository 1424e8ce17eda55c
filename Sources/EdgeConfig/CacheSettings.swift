/// Section `cache:`: where cached objects are kept and how much disk they may
/// use. Optional; the defaults match the systemd unit's `CacheDirectory=s3edge`.
public struct CacheSettings: Sendable, Equatable {
    /// `path`, default "/var/cache/s3edge": the directory of the LMDB cache
    /// files (created by the store if missing; systemd creates the default).
    /// A relative path is resolved against the configuration file's directory.
    public var path: String
    /// `max_size`, default 10 GiB: bytes of cached objects kept on disk; the
    /// least valuable are evicted beyond it. At least 16 MiB.
    public var maxSize: Int
    /// `encryption`, default `none`: how cached objects are encrypted on disk.
    public var encryption: CacheEncryptionSettings
    /// Line of `path` (or of `cache:`), for diagnostics; 0 when absent. Not part of equality:
    /// moving the section in the file changes nothing.
    public var line: Int
    /// Line of `encryption.mode`, for diagnostics; 0 when `encryption` is absent.
    public var encryptionLine: Int

    public init(
        path: String = "/var/cache/s3edge", maxSize: Int = 10 << 30, encryption: CacheEncryptionSettings = .none,
        line: Int = 0, encryptionLine: Int = 0
    ) {
        self.path = path
        self.maxSize = maxSize
        self.encryption = encryption
        self.line = line
        self.encryptionLine = encryptionLine
    }

    public static func == (lhs: CacheSettings, rhs: CacheSettings) -> Bool {
        lhs.path == rhs.path && lhs.maxSize == rhs.maxSize && lhs.encryption == rhs.encryption
    }

    /// The largest object kept: a quarter of `max_size`, so that one object never pushes out
    /// more than a quarter of the cache (nginx has no such bound; Varnish's is its storage).
    public var largestStoredObject: Int { maxSize / 4 }

    /// Accepted range of `max_size`: below 16 MiB the store's fixed overheads
    /// (page tables, a commit's copy-on-write pages) dominate.
    public static let maxSizeRange = (16 << 20)...Int.max
}
