import NIOCore

/// Identifies one fill between its handle and the writer.
typealias FillID = UInt64

/// A message to the writer thread. They are applied in the order they were posted.
enum WriterOperation: Sendable {
    /// A fill starts: the writer gives it the next generation. Later deletes of its key fail it.
    case begin(FillID, key: [UInt8])
    /// One full chunk, as the slices it arrived in: the writer copies them straight into the map.
    case chunk(FillID, parts: [ByteBuffer], length: Int)
    /// The last (possibly short or empty) chunk and the metadata: the entry becomes visible in
    /// the transaction that writes this, replacing any older entry for the key.
    case commit(FillID, parts: [ByteBuffer], length: Int, meta: ByteBuffer, promise: EventLoopPromise<Void>)
    /// Drops the fill's chunks.
    case abort(FillID)
    case delete(key: [UInt8], promise: EventLoopPromise<Bool>)
    case deleteMatching(prefix: [UInt8], promise: EventLoopPromise<Int>)
    /// One batch of a sweep (``LMDBCacheStore/sweep(batchSize:matches:on:)``); the writer
    /// posts the next batch itself.
    case sweep(SweepProgress)
    /// New metadata for the entry of `key` if it is still `generation`; true if replaced.
    case replaceMeta(key: [UInt8], generation: UInt64, meta: ByteBuffer, promise: EventLoopPromise<Bool>)
    /// The ``VisitLog`` has grown: commit a transaction, which writes its hits as visited bits
    /// (every transaction does; this one just makes sure there is one).
    case persistVisits
    /// Succeeds once everything posted before it is committed.
    case flush(EventLoopPromise<Void>)
    /// Evicts until the store fits `maxSize` (posted at start, in case the budget shrank).
    case trim

    /// Body and metadata bytes it carries, for batch and queue limits.
    var byteCount: Int {
        switch self {
        case .chunk(_, _, let length): length
        case .commit(_, _, let length, let meta, _): length + meta.readableBytes
        case .replaceMeta(_, _, let meta, _): meta.readableBytes
        default: 0
        }
    }
}
