/// The `body` database's key: cache key, then the fill's generation (8 bytes big-endian), then
/// the chunk index (4 bytes big-endian).
///
/// The generation is what lets a fill write its chunks in earlier transactions than its meta
/// record: an overwrite's chunks never replace the chunks of the entry readers still see, and
/// a reader holding an older ``StoredEntry`` can never read a newer fill's chunk into the same
/// response. Big-endian makes LMDB's byte order the numeric order, so one entry's chunks are
/// adjacent and in index order. The suffix has a fixed length, so parsing from the end is
/// unambiguous whatever bytes the cache key contains.
enum BodyKey {
    static let suffixLength = 12

    static func write(key: [UInt8], generation: UInt64, index: UInt32, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: key)
        buffer.appendBigEndian(generation)
        buffer.appendBigEndian(index)
    }

    static func make(key: [UInt8], generation: UInt64, index: UInt32) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(key.count + suffixLength)
        write(key: key, generation: generation, index: index, into: &buffer)
        return buffer
    }

    /// Splits a stored body key; nil if it is too short to be one.
    static func parse(_ raw: UnsafeRawBufferPointer) -> (key: UnsafeRawBufferPointer, generation: UInt64, index: UInt32)? {
        guard raw.count > suffixLength else { return nil }
        let keyLength = raw.count - suffixLength
        return (
            UnsafeRawBufferPointer(rebasing: raw[..<keyLength]),
            raw.loadBigEndian(at: keyLength),
            raw.loadBigEndian(at: keyLength + 8)
        )
    }
}
