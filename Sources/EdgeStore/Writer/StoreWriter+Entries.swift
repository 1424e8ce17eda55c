extension StoreWriter {
    /// Deletes a committed entry — meta record, chunks, stored-order record — and returns the
    /// charged bytes it freed, or nil if there was none.
    @discardableResult
    func removeEntry(_ key: [UInt8], in transaction: WriteTransaction) throws -> Int? {
        guard let value = try transaction.view.get(environment.meta, key) else { return nil }
        guard let header = EntryHeader(decoding: value) else {
            // Start-up drops undecodable headers, so this is a file changed behind our back.
            try transaction.lmdb.delete(environment.meta, key)
            return 0
        }
        for index in 0..<header.chunkCount {
            BodyKey.write(key: key, generation: header.generation, index: UInt32(index), into: &scratchKey)
            try transaction.lmdb.delete(environment.body, scratchKey)
        }
        try transaction.lmdb.delete(environment.state, StateRecords.orderKey(generation: header.generation))
        try transaction.lmdb.delete(environment.meta, key)
        ledger.usedBytes -= header.chargedBytes
        ledger.entryCount -= 1
        return header.chargedBytes
    }

    /// Deletes every committed entry whose key starts with `prefix`; returns how many. One
    /// transaction, whatever the count: LMDB spills a large transaction's dirty pages itself.
    func removeEntries(withPrefix prefix: [UInt8], in transaction: WriteTransaction) throws -> Int {
        var keys: [[UInt8]] = []
        try transaction.view.forEach(environment.meta, prefix: prefix) { key, _ in
            keys.append(Array(key))
            return true
        }
        for key in keys { try removeEntry(key, in: transaction) }
        return keys.count
    }
}
