extension StoreWriter {
    /// Makes room for `bytes` more charged bytes within `maxSize`, evicting if needed: first
    /// what the policy names, then the oldest stored. False if even an empty store of
    /// committed entries would not fit them (fills in progress hold the rest).
    func makeRoom(for bytes: Int, in transaction: WriteTransaction) throws -> Bool {
        let excess = ledger.usedBytes + bytes - configuration.maxSize
        guard excess > 0 else { return true }
        try evict(atLeast: excess, in: transaction)
        return ledger.usedBytes + bytes <= configuration.maxSize
    }

    /// Evicts entries until `bytes` charged bytes are freed or none are left.
    @discardableResult
    func evict(atLeast bytes: Int, in transaction: WriteTransaction) throws -> Int {
        try writeVisits(in: transaction)
        var freed = 0
        let order = StoredOrder(transaction: transaction.lmdb, state: environment.state)
        for key in try policy.evictionCandidates(bytesNeeded: bytes, oldestStored: order) where freed < bytes {
            if let size = try removeEntry(key, in: transaction) {
                freed += size
                ledger.evictedEntries += 1
            }
        }
        while freed < bytes, let oldest = try order.first(storedSince: 0) {
            freed += try evictOldest(oldest, in: transaction)
        }
        return freed
    }

    /// Takes the hits gathered so far from the ``VisitLog`` and writes them as visited bits.
    func writeVisits(in transaction: WriteTransaction) throws {
        let hits = visits.take()
        guard !hits.isEmpty else { return }
        takenVisits.formUnion(hits)
        try markVisited(hits, in: transaction)
    }

    /// Sets the visited bit of each generation hit (``VisitLog``) whose entry is still stored;
    /// generations evicted, deleted or replaced since their hit have no order record and are
    /// dropped. In generation order, so neighbouring records share their page's copy.
    func markVisited(_ generations: Set<UInt64>, in transaction: WriteTransaction) throws {
        for generation in generations.sorted() {
            let key = StateRecords.orderKey(generation: generation)
            guard let value = try transaction.view.get(environment.state, key),
                  let record = StateRecords.parseOrderValue(value), !record.visited else { continue }
            try transaction.lmdb.put(environment.state, key,
                                     StateRecords.orderValue(chargedBytes: record.chargedBytes, key: record.key, visited: true))
        }
    }

    /// Evicts the entry an order record names, or drops the record if it is stale (its entry
    /// has since been replaced by a newer generation), so the walk always makes progress.
    private func evictOldest(_ oldest: StoredOrder.Element, in transaction: WriteTransaction) throws -> Int {
        guard try currentHeader(of: oldest.key, in: transaction)?.generation == oldest.generation else {
            try transaction.lmdb.delete(environment.state, StateRecords.orderKey(generation: oldest.generation))
            return 0
        }
        ledger.evictedEntries += 1
        return try removeEntry(oldest.key, in: transaction) ?? 0
    }

    /// LMDB ran out of map although the budget said there was room (fragmented free pages, a
    /// large copy-on-write footprint): evict `bytes` (at least 1/32 of the map) in one commit,
    /// then commit once more, because LMDB reuses pages freed by a commit only two commits later.
    func freeMapSpace(atLeast bytes: Int) {
        let target = max(bytes, environment.mapSize / 32)
        do {
            let eviction = try WriteTransaction(environment)
            let before = ledger
            do {
                try evict(atLeast: target, in: eviction)
                try eviction.commit(counters: ledger.counters)
            } catch {
                ledger = before
                throw error
            }
            try WriteTransaction(environment).commit(counters: ledger.counters)
            publishUsage()
        } catch {
            logger.error("cache could not evict to free map space", metadata: ["error": "\(error)"])
        }
    }
}
