import Glibc
import NIOCore

/// Reads committed entries without locks: one per event loop (or other reading thread),
/// made with ``LMDBCacheStore/makeReader()``.
///
/// It owns one LMDB read transaction, renewed at the start of each call and reset at its end,
/// so every call sees the newest commit and no call holds old pages for the writer. Not
/// thread-safe: use it from one thread at a time (an event loop's, via `NIOLoopBound`).
///
/// In an encrypted store it opens (decrypts and authenticates) what it reads: a lookup opens the
/// metadata, a chunk read opens the segments it covers (``SealedLayout``). Anything that fails
/// to open is reported as a ``StoreReadError`` and never returned.
public final class StoreReader {
    private let snapshot: LMDBReadSnapshot
    private let allocator = ByteBufferAllocator()
    private var bodyKey: [UInt8] = []
    private let cipher: StoreCipher?
    /// The last segment opened whole into `segment` (generation, chunk, segment index):
    /// generations are never reused while the process runs, so this names its bytes exactly.
    private var openedSegment: (generation: UInt64, chunk: Int, segment: Int)?
    private var segment: [UInt8] = []

    /// Body bytes per sealed segment: reads of whole, aligned segments open each one once.
    public static let sealedSegmentSize = SealedLayout.segmentSize

    init(environment: LMDBEnvironment, keyring: StoreKeyring?) {
        snapshot = LMDBReadSnapshot(environment)
        cipher = keyring.map(StoreCipher.init(keyring:))
    }

    private var environment: LMDBEnvironment { snapshot.environment }

    /// The committed entry for `key`, or nil. One `mdb_get`; the metadata is copied out once.
    ///
    /// Throws ``StoreReadError`` for a sealed entry whose metadata does not open (altered on
    /// disk, or sealed with a key this process does not have): the caller drops it and fetches
    /// the object again.
    ///
    /// `candidate` is an entry of `key` this reader returned before (a caller's cache of hot
    /// entries): if the stored meta record is still byte for byte the sealed record it was opened
    /// from, it is returned as it is, without opening the record again. Bytes identical to ones
    /// that authenticated under this key are authentic; anything else is opened and checked.
    public func lookup(_ key: [UInt8], reusing candidate: StoredEntry? = nil) throws -> StoredEntry? {
        guard (1...CacheStoreConfiguration.maxKeyLength).contains(key.count) else { return nil }
        return try snapshot.read { view in
            guard let value = try view.get(environment.meta, key) else { return nil }
            if let candidate, let sealed = candidate.sealedRecord, sealed.readableBytes == value.count,
               candidate.key == key,
               sealed.withUnsafeReadableBytes({ memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0 }) {
                return candidate
            }
            return try entry(key: key, value: value)
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
    ///
    /// Sealed: opens each segment the bytes cover, straight into `buffer` when the slice is a
    /// whole segment; throws ``StoreReadError`` if one does not open (nothing of it is returned).
    public func readChunk(of entry: StoredEntry, index: Int, bytes: Range<Int>, into buffer: inout ByteBuffer) throws -> Bool {
        precondition((0..<entry.chunkCount).contains(index), "chunk \(index) of \(entry.chunkCount)")
        precondition(bytes.lowerBound >= 0 && bytes.upperBound <= entry.chunkLength(index), "bytes \(bytes) of chunk \(index)")
        if let keyID = entry.keyID {
            return try readSealedChunk(of: entry, index: index, bytes: bytes, keyID: keyID, into: &buffer)
        }
        BodyKey.write(key: entry.key, generation: entry.generation, index: UInt32(index), into: &bodyKey)
        return try snapshot.read { view in
            guard let chunk = try view.get(environment.body, bodyKey), chunk.count == entry.chunkLength(index) else {
                return false
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: chunk[bytes]))
            return true
        }
    }

    /// Opens the first segment of a sealed entry's body and keeps it for the next read: a hit
    /// checks this before its response starts, so a first segment altered on disk becomes a
    /// refetch rather than a response cut off after its head. False if the chunk is gone; throws
    /// ``StoreReadError`` if it does not open. Nothing to do for an entry in clear or without body.
    public func checkFirstSegment(of entry: StoredEntry) throws -> Bool {
        guard let keyID = entry.keyID, entry.chunkCount > 0 else { return true }
        if let opened = openedSegment, opened == (entry.generation, 0, 0) { return true }
        let length = min(SealedLayout.segmentSize, entry.chunkLength(0))
        BodyKey.write(key: entry.key, generation: entry.generation, index: 0, into: &bodyKey)
        return try snapshot.read { view in
            guard let stored = try view.get(environment.body, bodyKey) else { return false }
            try openSegmentIntoCache(0, of: stored, entry: entry, index: 0, keyID: keyID, length: length)
            return true
        }
    }

    private func readSealedChunk(of entry: StoredEntry, index: Int, bytes: Range<Int>, keyID: UInt32,
                                 into buffer: inout ByteBuffer) throws -> Bool {
        guard let cipher else { throw StoreReadError(key: entry.key, problem: .noKeyring) }
        let chunkLength = entry.chunkLength(index)
        BodyKey.write(key: entry.key, generation: entry.generation, index: UInt32(index), into: &bodyKey)
        return try snapshot.read { view in
            guard let stored = try view.get(environment.body, bodyKey) else { return false }
            guard stored.count == SealedLayout.storedChunkLength(chunkLength) else {
                throw StoreReadError(key: entry.key, problem: .notAuthentic("chunk \(index) has the wrong length"))
            }
            var offset = bytes.lowerBound
            while offset < bytes.upperBound {
                let number = offset / SealedLayout.segmentSize
                let start = number * SealedLayout.segmentSize
                let length = min(SealedLayout.segmentSize, chunkLength - start)
                let wanted = (offset - start)..<min(bytes.upperBound - start, length)
                if let opened = openedSegment, opened == (entry.generation, index, number) {
                    _ = segment.withUnsafeBytes { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[wanted])) }
                } else if wanted.count == length {
                    var opened = false
                    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { output in
                        opened = cipher.openSegment(
                            number, of: stored, chunkLength: chunkLength, key: entry.key, generation: entry.generation,
                            index: UInt32(index), keyID: keyID, into: UnsafeMutableRawBufferPointer(rebasing: output[..<length]))
                        return opened ? length : 0
                    }
                    guard opened else { throw unreadable(entry, keyID: keyID, chunk: index, segment: number) }
                } else {
                    try openSegmentIntoCache(number, of: stored, entry: entry, index: index, keyID: keyID, length: length)
                    _ = segment.withUnsafeBytes { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[wanted])) }
                }
                offset = start + wanted.upperBound
            }
            return true
        }
    }

    private func openSegmentIntoCache(_ number: Int, of stored: UnsafeRawBufferPointer, entry: StoredEntry, index: Int,
                                      keyID: UInt32, length: Int) throws {
        guard let cipher else { throw StoreReadError(key: entry.key, problem: .noKeyring) }
        openedSegment = nil
        if segment.count < SealedLayout.segmentSize { segment = [UInt8](repeating: 0, count: SealedLayout.segmentSize) }
        let opened = segment.withUnsafeMutableBytes { output in
            cipher.openSegment(number, of: stored, chunkLength: entry.chunkLength(index), key: entry.key,
                               generation: entry.generation, index: UInt32(index), keyID: keyID,
                               into: UnsafeMutableRawBufferPointer(rebasing: output[..<length]))
        }
        guard opened else { throw unreadable(entry, keyID: keyID, chunk: index, segment: number) }
        openedSegment = (entry.generation, index, number)
    }

    private func unreadable(_ entry: StoredEntry, keyID: UInt32, chunk: Int, segment: Int) -> StoreReadError {
        guard cipher?.canOpen(keyID: keyID) == true else { return StoreReadError(key: entry.key, problem: .unknownKey(keyID)) }
        return StoreReadError(key: entry.key, problem: .notAuthentic("chunk \(chunk), segment \(segment)"))
    }

    /// Re-reads the whole body and compares its CRC32C with the one computed at fill time
    /// (sealed: opens every segment, whose tags are the check). False if it differs, a segment
    /// does not open, or a chunk is gone. Costs a full read: for checks, not for hits.
    public func verifyBody(of entry: StoredEntry) throws -> Bool {
        var checksum = CRC32C()
        var chunk = allocator.buffer(capacity: entry.chunkSize)
        for index in 0..<entry.chunkCount {
            chunk.clear()
            do {
                guard try readChunk(of: entry, index: index, into: &chunk) else { return false }
            } catch is StoreReadError {
                return false
            }
            chunk.withUnsafeReadableBytes { checksum.update($0) }
        }
        return entry.keyID != nil || checksum.value == entry.checksum
    }

    /// Every committed entry whose key starts with `prefix`, in key order, from one snapshot.
    /// Walks the `meta` database: for administration and tests, not for requests.
    public func entries(withPrefix prefix: [UInt8] = []) throws -> [StoredEntry] {
        try snapshot.read { view in
            var found: [StoredEntry] = []
            try view.forEach(environment.meta, prefix: prefix) { key, value in
                if let entry = try? entry(key: Array(key), value: value) { found.append(entry) }
                return true
            }
            return found
        }
    }

    /// A `body` record's stored bytes as they are on disk (sealed or not), for tests and tools.
    func rawBodyValue(_ bodyKey: [UInt8]) throws -> [UInt8]? {
        try snapshot.read { view in try view.get(environment.body, bodyKey).map(Array.init) }
    }

    private func entry(key: [UInt8], value: UnsafeRawBufferPointer) throws -> StoredEntry? {
        guard let header = EntryHeader(decoding: value) else { return nil }
        var meta: ByteBuffer
        var sealedRecord: ByteBuffer?
        if let keyID = header.keyID {
            guard let cipher else { throw StoreReadError(key: key, problem: .noKeyring) }
            meta = allocator.buffer(capacity: max(0, value.count - header.length - SealedLayout.overhead))
            guard cipher.openMeta(value, key: key, keyID: keyID, headerLength: header.length, into: &meta) else {
                throw StoreReadError(key: key, problem: cipher.canOpen(keyID: keyID) ? .notAuthentic("metadata") : .unknownKey(keyID))
            }
            var record = allocator.buffer(capacity: value.count)
            record.writeBytes(value)
            sealedRecord = record
        } else {
            let metaBytes = UnsafeRawBufferPointer(rebasing: value[header.length...])
            meta = allocator.buffer(capacity: metaBytes.count)
            meta.writeBytes(metaBytes)
        }
        return StoredEntry(
            key: key, meta: meta, bodyLength: header.bodyLength, chunkSize: header.chunkSize,
            chunkCount: header.chunkCount, checksum: header.checksum, generation: header.generation, keyID: header.keyID,
            sealedRecord: sealedRecord
        )
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}
