import NIOCore

/// Where the cache lives, how big it may grow, and how the writer batches.
public struct CacheStoreConfiguration: Sendable {
    /// The directory holding `data.mdb`, `lock.mdb` and the store's marker files. Created if
    /// missing (its parent must exist).
    public var path: String
    /// The byte budget: the charged bytes (``StorageCost``: pages the records occupy) of all
    /// entries and of the chunks of fills in progress never exceed it. The file may grow up to
    /// ``mapSize``.
    public var maxSize: Int
    /// Body bytes per `body` record. Changing it affects new fills only: each entry records its own.
    public var chunkSize: Int
    /// A fill whose charged size would pass this fails with `.full` before anything is evicted
    /// for it, so one huge body cannot empty the cache and then not fit anyway. Default: a
    /// quarter of `maxSize`.
    public var maxEntrySize: Int
    public var durability: Durability
    /// How many ``StoreReader``s may exist at once: one per event loop, plus any other thread
    /// that reads. Each holds one slot of LMDB's reader table (8 more are kept for tools such
    /// as `mdb_stat`).
    public var maxReaders: Int
    /// A commit happens after this many queued operations…
    public var maxOperationsPerCommit: Int
    /// …or this many body bytes…
    public var maxBytesPerCommit: Int
    /// …or when this much time has passed since the batch's first operation, whichever comes
    /// first. Zero commits whatever is queued at once. Only fills' completions wait for it.
    public var commitWindow: TimeAmount
    /// Chunks queued for the writer beyond this many bytes fail their fill with `.overloaded`
    /// (the viewer still gets its bytes; the body is just not cached), so a slow disk cannot
    /// turn into unbounded memory.
    public var maxQueuedBytes: Int
    /// Encryption at rest: with a keyring, every chunk and every caller's metadata record is
    /// sealed with AES-256-GCM (``SealedLayout``) under the keyring's current key, and nothing is
    /// stored or read until it has one. Nil stores in clear. Switching between the two rebuilds
    /// the file empty at open, so that no plaintext is left in it (not even in free pages).
    public var keyring: StoreKeyring?

    /// Test hook: a map this size instead of ``mapSize``, to make LMDB run out of room.
    var mapSizeOverride: Int?
    /// Test hook: the kernel boot id to compare session markers against.
    var bootIDOverride: String?

    public init(path: String, maxSize: Int) {
        self.path = path
        self.maxSize = maxSize
        chunkSize = 256 * 1024
        maxEntrySize = maxSize / 4
        durability = .survivesSystemCrash
        maxReaders = 2 * System.coreCount + 4
        maxOperationsPerCommit = 256
        maxBytesPerCommit = 16 * 1024 * 1024
        commitWindow = .milliseconds(5)
        maxQueuedBytes = 64 * 1024 * 1024
    }

    /// The LMDB map size: `maxSize` plus headroom for what the budget does not charge —
    /// branch pages and the free list (well under 1 % with 256 KiB chunks), copy-on-write
    /// (a commit's new pages, and the pages freed by the last two commits, which LMDB may not
    /// reuse yet: up to about 2 × `maxBytesPerCommit`), and free runs too fragmented for a
    /// 65-page chunk. Hence `maxSize / 8` (at least 8 MiB) + 2 × `maxBytesPerCommit`, rounded
    /// up to 1 MiB. The file is sparse: unused map costs address space, not disk.
    public var mapSize: Int {
        if let mapSizeOverride { return mapSizeOverride }
        let headroom = max(maxSize / 8, 8 << 20) + 2 * maxBytesPerCommit
        let megabyte = 1 << 20
        return (maxSize + headroom + megabyte - 1) / megabyte * megabyte
    }

    /// The longest cache key the store accepts: LMDB's 511-byte key limit minus the body
    /// key's 12-byte suffix. The cache layer must map longer keys to a digest.
    public static let maxKeyLength = 511 - BodyKey.suffixLength
}
