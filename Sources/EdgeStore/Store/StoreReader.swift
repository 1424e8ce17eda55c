import NIOCore

/// Reads committed entries without locks: one per event loop (or other reading thread),
/// made with ``LMDBCacheStore/makeReader()``.
///
/// It owns one LMDB read transaction, renewed at the start of each call and reset at its end,
/// so every call sees the newest commit and no call holds old pages for the writer. Not
/// thread-safe: use it from one thread at a time (an event loop's, via `NIOLoopBound`).
public final class StoreReader {
    private let snapshot: LMDBReadSnapshot
    private let allocator = ByteBufferAllocator()
    private var bodyKey: [UInt8] = []

    init(environment: LMDBEnvironment) {
        snapshot = LMDBReadSnapshot(environment)
    }

    private var environment: LMDBEnvironment { snapshot.environment }

    /// The committed entry for `key`, or nil. One `mdb_get`; the metadata is copied out once.
    public func lookup(_ key: [UInt8]) throws -> StoredEntry? {
        guard (1...CacheStoreConfiguration.maxKeyLength).contains(key.count) else { return nil }
        return try snapshot.read { view in
            guard let value = try view.get(environment.meta, key) else { return nil }
            return entry(key: key, value: value)
        }
    }

    /// Appends chunk `index` of `entry` to `buffer`: one `mdb_get` and one copy from the mapped
    /// page into the buffer. False if the chunk is gone — the entry was overwritten, evicted or
    /// deleted since `lookup` — in which case `buffer` is unchanged and the response must end.
    public func readChunk(of entry: StoredEntry, index: Int, into buffer: inout ByteBuffer) throws -> Bool {
        try readChunk(of: entry, index: index, bytes: 0..<entry.chunkLength(index), into: &buffer)
    }

    /// Appends `bytes` (offsets within the chunk) of chunk `index` to `buffer`: one `mdb_get`
    /// and one copy of just those bytes, so a response can stream a chunk in slices and hold
    /// less than a chunk per viewer. False if the chunk is gone, as for ``readChunk(of:index:into:)``.
    public func readChunk(of entry: StoredEntry, index: Int, bytes: Range<Int>, into buffer: inout ByteBuffer) throws -> Bool {
        precondition((0..<entry.chunkCount).contains(index), "chunk \(index) of \(entry.chunkCount)")
        precondition(bytes.lowerBound >= 0 && bytes.upperBound <= entry.chunkLength(index), "bytes \(bytes) of chunk \(index)")
        BodyKey.write(key: entry.key, generation: entry.generation, index: UInt32(index), into: &bodyKey)
        return try snapshot.read { view in
            guard let chunk = try view.get(environment.body, bodyKey), chunk.count == entry.chunkLength(index) else {
                return false
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: chunk[bytes]))
            return true
        }
    }

    /// Re-reads the whole body and compares its CRC32C with the one computed at fill time.
    /// False if it differs or a chunk is gone. Costs a full read: for checks, not for hits.
    public func verifyBody(of entry: StoredEntry) throws -> Bool {
        var checksum = CRC32C()
        var chunk = allocator.buffer(capacity: entry.chunkSize)
        for index in 0..<entry.chunkCount {
            chunk.clear()
            guard try readChunk(of: entry, index: index, into: &chunk) else { return false }
            chunk.withUnsafeReadableBytes { checksum.update($0) }
        }
        return checksum.value == entry.checksum
    }

    /// Every committed entry whose key starts with `prefix`, in key order, from one snapshot.
    /// Walks the `meta` database: for administration and tests, not for requests.
    public func entries(withPrefix prefix: [UInt8] = []) throws -> [StoredEntry] {
        try snapshot.read { view in
            var found: [StoredEntry] = []
            try view.forEach(environment.meta, prefix: prefix) { key, value in
                if let entry = entry(key: Array(key), value: value) { found.append(entry) }
                return true
            }
            return found
        }
    }

    private func entry(key: [UInt8], value: UnsafeRawBufferPointer) -> StoredEntry? {
        guard let header = EntryHeader(decoding: value) else { return nil }
        let metaBytes = UnsafeRawBufferPointer(rebasing: value[EntryHeader.length...])
        var meta = allocator.buffer(capacity: metaBytes.count)
        meta.writeBytes(metaBytes)
        return StoredEntry(
            key: key, meta: meta, bodyLength: header.bodyLength, chunkSize: header.chunkSize,
            chunkCount: header.chunkCount, checksum: header.checksum, generation: header.generation
        )
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}
