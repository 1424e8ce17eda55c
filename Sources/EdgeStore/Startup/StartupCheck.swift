/// Start-up's check that every visible entry is whole, and its cleanup of what a crash left.
///
/// A fill writes chunks in earlier transactions than its meta record, so a process killed
/// mid-fill leaves chunks no meta record points at (orphans): invisible, but taking space.
/// Entries themselves are all-or-nothing (their meta record commits with or after the last
/// chunk), so a dropped entry means damage or a bug, not a crash; the check is cheap enough
/// to guard against both. Three passes, reading keys and value sizes only (a chunk's bytes are
/// never touched, so no overflow page is faulted in):
/// 1. `body`, in key order (each fill's chunks are adjacent): a chunk belongs to an entry if
///    the meta record for its key has its generation and it is the next expected index with
///    the expected length; anything else is removed. An entry with a chunk out of place is broken.
/// 2. `meta`: drops undecodable headers, broken entries, and entries whose last chunk is
///    missing; sums the charged bytes of the rest.
/// 3. `state` order index: drops records of entries that are gone; adds missing ones.
/// All in one write transaction, before the writer thread exists.
struct StartupCheck {
    struct Outcome {
        var counters: StateRecords.Counters
        var droppedEntries: Int
        var orphanChunks: Int
        /// Entries by the data key that sealed them (0: in clear).
        var entriesByKey: [UInt32: Int]
    }

    let environment: LMDBEnvironment

    func run() throws -> Outcome {
        let transaction = try LMDBWriteTransaction(environment)
        let body = try BodyScan(environment: environment, view: transaction.view)
        var dropped: [(key: [UInt8], header: EntryHeader?)] = []
        var kept: [UInt64: (key: [UInt8], chargedBytes: Int)] = [:]
        var counters = StateRecords.Counters(nextGeneration: body.maxGeneration + 1, usedBytes: 0, entryCount: 0)
        var entriesByKey: [UInt32: Int] = [:]

        try transaction.view.forEach(environment.meta, prefix: []) { rawKey, value in
            let key = Array(rawKey)
            guard let header = EntryHeader(decoding: value), !body.broken.contains(key),
                  try header.chunkCount == 0 || lastChunkExists(key: key, header: header, view: transaction.view) else {
                dropped.append((key, EntryHeader(decoding: value)))
                return true
            }
            kept[header.generation] = (key, header.chargedBytes)
            counters.usedBytes += header.chargedBytes
            counters.entryCount += 1
            entriesByKey[header.keyID ?? 0, default: 0] += 1
            counters.nextGeneration = max(counters.nextGeneration, header.generation + 1)
            return true
        }

        var staleOrder: [UInt64] = []
        try transaction.view.forEach(environment.state, prefix: [StateRecords.orderTag]) { key, value in
            guard let record = StateRecords.parseOrder(key: key, value: value) else { return true }
            if kept.removeValue(forKey: record.generation)?.key != record.key { staleOrder.append(record.generation) }
            return true
        }
        if let persisted = try transaction.view.get(environment.state, StateRecords.countersKey).flatMap(StateRecords.Counters.init(decoding:)) {
            counters.nextGeneration = max(counters.nextGeneration, persisted.nextGeneration)
        }

        for key in body.orphans { try transaction.delete(environment.body, key) }
        for (key, header) in dropped { try dropEntry(key: key, header: header, in: transaction) }
        for generation in staleOrder { try transaction.delete(environment.state, StateRecords.orderKey(generation: generation)) }
        for (generation, entry) in kept {
            try transaction.put(environment.state, StateRecords.orderKey(generation: generation),
                                StateRecords.orderValue(chargedBytes: entry.chargedBytes, key: entry.key, visited: false))
        }
        try transaction.put(environment.state, StateRecords.countersKey, counters.encoded)
        try transaction.commit()
        return Outcome(counters: counters, droppedEntries: dropped.count, orphanChunks: body.orphans.count,
                       entriesByKey: entriesByKey)
    }

    private func lastChunkExists(key: [UInt8], header: EntryHeader, view: LMDBTransactionView) throws -> Bool {
        let last = BodyKey.make(key: key, generation: header.generation, index: UInt32(header.chunkCount - 1))
        return try view.get(environment.body, last) != nil
    }

    private func dropEntry(key: [UInt8], header: EntryHeader?, in transaction: LMDBWriteTransaction) throws {
        try transaction.delete(environment.meta, key)
        guard let header else { return }
        for index in 0..<header.chunkCount {
            try transaction.delete(environment.body, BodyKey.make(key: key, generation: header.generation, index: UInt32(index)))
        }
        try transaction.delete(environment.state, StateRecords.orderKey(generation: header.generation))
    }
}
