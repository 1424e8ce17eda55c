import NIOCore

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

    /// Replaces the caller's metadata of `key`'s entry if it is still generation `generation`,
    /// keeping its chunks, its visited bit and the rest of its header; its charge (and the
    /// budget's) follows the new length. False if the entry was replaced, deleted or evicted
    /// since, if the new length would take it past `maxEntrySize` (nothing is evicted for it,
    /// as for a fill), or if making the room it needs evicted the entry itself.
    func replaceMeta(of key: [UInt8], generation: UInt64, meta: ByteBuffer, in transaction: WriteTransaction) throws -> Bool {
        guard let value = try transaction.view.get(environment.meta, key), var header = EntryHeader(decoding: value),
              header.generation == generation else { return false }
        if let keyID = header.keyID, cipher?.canOpen(keyID: keyID) != true { return false }
        let growth = cost.entryRecords(keyLength: key.count, valueLength: metaValueLength(meta, keyID: header.keyID))
            - cost.entryRecords(keyLength: key.count, valueLength: value.count)
        if growth > 0 {
            guard header.chargedBytes + growth <= configuration.maxEntrySize, try makeRoom(for: growth, in: transaction),
                  try currentHeader(of: key, in: transaction)?.generation == generation else { return false }
        }
        // Read after making room: the eviction walk may have cleared the bit in passing.
        let visited = try transaction.view.get(environment.state, StateRecords.orderKey(generation: generation))
            .flatMap(StateRecords.parseOrderValue)?.visited ?? false
        header.chargedBytes += growth
        try writeEntryRecords(key, header: header, meta: meta, visited: visited, in: transaction)
        ledger.usedBytes += growth
        return true
    }

    /// Writes an entry's meta record and its stored-order record.
    func writeEntryRecords(_ key: [UInt8], header: EntryHeader, meta: ByteBuffer, visited: Bool,
                           in transaction: WriteTransaction) throws {
        let cipher = self.cipher
        try transaction.lmdb.put(environment.meta, key, reserving: metaValueLength(meta, keyID: header.keyID)) { value in
            header.write(into: value)
            if let keyID = header.keyID, let cipher {
                cipher.sealMeta(meta, key: key, keyID: keyID, headerLength: header.length, into: value)
            } else {
                meta.withUnsafeReadableBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: value[header.length...]).copyMemory(from: source)
                }
            }
        }
        try transaction.lmdb.put(environment.state, StateRecords.orderKey(generation: header.generation),
                                 StateRecords.orderValue(chargedBytes: header.chargedBytes, key: key, visited: visited))
    }

    /// The length of a meta value holding `meta`: header, then the metadata in clear or sealed.
    func metaValueLength(_ meta: ByteBuffer, keyID: UInt32?) -> Int {
        keyID == nil ? EntryHeader.clearLength + meta.readableBytes
            : EntryHeader.sealedLength + SealedLayout.storedMetaLength(meta.readableBytes)
    }

    func currentHeader(of key: [UInt8], in transaction: WriteTransaction) throws -> EntryHeader? {
        try transaction.view.get(environment.meta, key).flatMap(EntryHeader.init(decoding:))
    }
}
