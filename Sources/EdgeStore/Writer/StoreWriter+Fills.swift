import NIOCore

extension StoreWriter {
    /// Writes one chunk of a fill under its generation, invisible until the fill commits.
    /// Evicts first if the chunk would take the store over `maxSize`; if that cannot make room,
    /// or the fill outgrows `maxEntrySize`, the fill fails with `.full`.
    func writeChunk(of id: FillID, parts: [ByteBuffer], length: Int, in transaction: WriteTransaction) throws {
        guard let fill = ledger.fills[id], fill.failure == nil else { return }
        let stored = fill.keyID == nil ? length : SealedLayout.storedChunkLength(length)
        let charge = cost.chunk(keyLength: fill.key.count, length: stored)
        guard fill.chargedBytes + charge <= configuration.maxEntrySize, try makeRoom(for: charge, in: transaction) else {
            ledger.fills[id]?.failure = .full
            return
        }
        BodyKey.write(key: fill.key, generation: fill.generation, index: fill.chunksWritten, into: &scratchKey)
        var checksum = fill.checksum
        if let keyID = fill.keyID, let cipher {
            try transaction.lmdb.put(environment.body, scratchKey, reserving: stored) { destination in
                cipher.sealChunk(parts: parts, length: length, key: fill.key, generation: fill.generation,
                                 index: fill.chunksWritten, keyID: keyID, into: destination)
            }
        } else {
            try transaction.lmdb.put(environment.body, scratchKey, reserving: length) { destination in
                var offset = 0
                for part in parts {
                    part.withUnsafeReadableBytes { source in
                        UnsafeMutableRawBufferPointer(rebasing: destination[offset..<offset + source.count]).copyMemory(from: source)
                        offset += source.count
                    }
                }
                checksum.update(UnsafeRawBufferPointer(destination))
            }
        }
        ledger.fills[id]?.checksum = checksum
        ledger.fills[id]?.chunksWritten += 1
        ledger.fills[id]?.bodyLength += length
        ledger.fills[id]?.chargedBytes += charge
        ledger.usedBytes += charge
    }

    /// Writes the last chunk and the meta record in this transaction, replacing any older entry
    /// for the key: from this commit on, readers see the whole new entry; before it, the old one.
    func commitFill(_ id: FillID, parts: [ByteBuffer], length: Int, meta: ByteBuffer,
                    in transaction: WriteTransaction) throws -> Result<Void, CacheStoreError> {
        guard ledger.fills[id] != nil else { return .failure(.aborted) }
        if length > 0 { try writeChunk(of: id, parts: parts, length: length, in: transaction) }
        guard let fill = ledger.fills[id], fill.failure == nil else {
            let failure = ledger.fills[id]?.failure ?? .aborted
            try endFill(id, in: transaction)
            return .failure(failure)
        }
        try removeEntry(fill.key, in: transaction)
        let records = cost.entryRecords(keyLength: fill.key.count, valueLength: metaValueLength(meta, keyID: fill.keyID))
        guard try makeRoom(for: records, in: transaction) else {
            try endFill(id, in: transaction)
            return .failure(.full)
        }
        let header = EntryHeader(
            chunkSize: fill.chunkSize, bodyLength: fill.bodyLength, chunkCount: Int(fill.chunksWritten),
            checksum: fill.keyID == nil ? fill.checksum.value : 0, generation: fill.generation,
            chargedBytes: fill.chargedBytes + records, keyID: fill.keyID
        )
        try writeEntryRecords(fill.key, header: header, meta: meta, visited: false, in: transaction)
        ledger.fills[id] = nil
        ledger.usedBytes += records
        ledger.entryCount += 1
        return .success(())
    }

    /// Ends a fill without an entry: deletes the chunks it wrote and stops counting them.
    func endFill(_ id: FillID, in transaction: WriteTransaction) throws {
        guard let fill = ledger.fills.removeValue(forKey: id) else { return }
        for index in 0..<fill.chunksWritten {
            BodyKey.write(key: fill.key, generation: fill.generation, index: index, into: &scratchKey)
            try transaction.lmdb.delete(environment.body, scratchKey)
        }
        ledger.usedBytes -= fill.chargedBytes
    }

    /// Fills begun before a delete covering their key: they may carry the deleted content, so
    /// their commit fails with `.invalidated` (their chunks go when the fill ends).
    func invalidateFills(where matches: ([UInt8]) -> Bool) {
        for (id, fill) in ledger.fills where fill.failure == nil && matches(fill.key) {
            ledger.fills[id]?.failure = .invalidated
        }
    }
}
