/// The writer's view of the store, kept in step with its transactions: a value, so that a
/// transaction that fails can put back the ledger it started from.
struct WriterLedger {
    var nextGeneration: UInt64
    var usedBytes: Int
    var entryCount: Int
    var evictedEntries = 0
    var fills: [FillID: PendingFill] = [:]

    var counters: StateRecords.Counters {
        StateRecords.Counters(nextGeneration: nextGeneration, usedBytes: usedBytes, entryCount: entryCount)
    }
}

/// A fill between `begin` and its commit or abort.
struct PendingFill {
    let key: [UInt8]
    let generation: UInt64
    let chunkSize: Int
    var chunksWritten: UInt32 = 0
    var bodyLength = 0
    var checksum = CRC32C()
    /// Charged bytes of the chunks written so far (counted in `usedBytes` already).
    var chargedBytes = 0
    /// Set when the fill can no longer commit; its later chunks are dropped.
    var failure: CacheStoreError?
    /// The data key its chunks and metadata are sealed with; nil in clear.
    var keyID: UInt32?
}
