/// The body chunks a byte range needs, so a range request reads only those
/// from the store (the body is stored in fixed-size chunks).
public struct ChunkSpan: Sendable, Hashable {
    /// Indices of the chunks to read, in order.
    public var chunks: ClosedRange<Int>
    /// Bytes to skip at the start of the first chunk.
    public var offsetInFirstChunk: Int
    /// Bytes to send from the last chunk (counted from its start).
    public var lengthInLastChunk: Int

    /// The chunks holding `range` with chunks of `chunkSize` bytes (> 0).
    public init(range: ByteRange, chunkSize: Int) {
        let firstChunk = range.first / chunkSize
        let lastChunk = range.last / chunkSize
        chunks = firstChunk...lastChunk
        offsetInFirstChunk = range.first - firstChunk * chunkSize
        lengthInLastChunk = range.last - lastChunk * chunkSize + 1
    }

    /// The bytes of chunk `index` (one of `chunks`) that belong to the range,
    /// as offsets within that chunk.
    public func bytes(inChunk index: Int, chunkSize: Int) -> Range<Int> {
        let start = index == chunks.lowerBound ? offsetInFirstChunk : 0
        let end = index == chunks.upperBound ? lengthInLastChunk : chunkSize
        return start..<end
    }
}
