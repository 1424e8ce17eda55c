import NIOCore

/// A committed entry as a reader found it: the caller's metadata and where the body lies.
///
/// The generation pins the body: chunks are read by key *and* generation, so if the entry is
/// overwritten, evicted or deleted while a response streams, the next chunk read reports the
/// chunk as gone instead of returning a newer body's bytes.
public struct StoredEntry: Sendable, Hashable {
    public let key: [UInt8]
    /// The metadata bytes given to ``FillHandle/commit(meta:)``, unchanged.
    public let meta: ByteBuffer
    public let bodyLength: Int
    public let chunkSize: Int
    public let chunkCount: Int
    /// CRC32C of the body; 0 for a sealed entry (its seals are the check).
    public let checksum: UInt32
    public let generation: UInt64
    /// The data key that sealed it (``StoreKeyring``); nil when stored in clear.
    public let keyID: UInt32?
    /// A sealed entry's meta record as stored (header, nonce, ciphertext, tag), which `meta`
    /// was opened from: a later lookup that finds these very bytes again reuses this entry
    /// instead of opening them again (``StoreReader/lookup(_:reusing:)``). Nil in clear.
    let sealedRecord: ByteBuffer?

    public init(key: [UInt8], meta: ByteBuffer, bodyLength: Int, chunkSize: Int, chunkCount: Int, checksum: UInt32,
                generation: UInt64, keyID: UInt32? = nil) {
        self.init(key: key, meta: meta, bodyLength: bodyLength, chunkSize: chunkSize, chunkCount: chunkCount,
                  checksum: checksum, generation: generation, keyID: keyID, sealedRecord: nil)
    }

    init(key: [UInt8], meta: ByteBuffer, bodyLength: Int, chunkSize: Int, chunkCount: Int, checksum: UInt32,
         generation: UInt64, keyID: UInt32?, sealedRecord: ByteBuffer?) {
        self.key = key
        self.meta = meta
        self.bodyLength = bodyLength
        self.chunkSize = chunkSize
        self.chunkCount = chunkCount
        self.checksum = checksum
        self.generation = generation
        self.keyID = keyID
        self.sealedRecord = sealedRecord
    }

    /// The length of chunk `index`: `chunkSize`, except for a shorter last one.
    public func chunkLength(_ index: Int) -> Int {
        index == chunkCount - 1 ? bodyLength - index * chunkSize : chunkSize
    }

    /// The chunk holding body byte `offset` (for ranges).
    public func chunkIndex(containing offset: Int) -> Int {
        offset / chunkSize
    }
}

/// The store's size and contents as of the writer's last commit.
public struct StoreUsage: Sendable, Hashable {
    /// Charged bytes of committed entries and of fills in progress.
    public var usedBytes: Int
    public var maxSize: Int
    public var entryCount: Int
    /// Entries evicted since the store opened.
    public var evictedEntries: Int
}

/// What opening the store found and did.
public struct StartupReport: Sendable, Hashable {
    public var path: String
    /// Why the file was discarded and rebuilt empty; nil if it opened as it was.
    public var rebuiltBecause: String?
    public var entryCount: Int
    public var usedBytes: Int
    /// Entries dropped because their chunks were missing or their header unreadable.
    public var droppedEntries: Int
    /// Chunks of fills that never committed (a crash mid-fill), removed.
    public var orphanChunksRemoved: Int
    /// Entries kept, by the data key that sealed them (``StoreKeyring/identifier(of:)``; 0 for
    /// entries in clear): which keys are still needed.
    public var entriesByKey: [UInt32: Int]

    /// The line logged when the file was rebuilt.
    public var rebuildLogLine: String? {
        rebuiltBecause.map { "cache at \(path) is unreadable (\($0)); starting with an empty cache" }
    }
}
