internal import CLMDB

/// The committed entries in the order they were stored, oldest first, read lazily from the
/// `state` database's order index inside the writer's transaction, with each entry's visited
/// bit (``LMDBCacheStore/recordHit(_:)``) and the policy's saved position (SIEVE's hand).
/// What a policy changes through it (``clearVisited(_:)``, ``moveHand(to:)``) is written in
/// that transaction, so it commits with the evictions it led to or not at all. Valid only
/// during the ``EvictionPolicy`` call it is passed to.
public struct StoredOrder: Sequence {
    public struct Element: Hashable {
        public let key: [UInt8]
        /// What evicting it frees.
        public let chargedBytes: Int
        public let generation: UInt64
        /// Hit since it was stored, or since a policy last cleared the bit. Hits reach the bit
        /// with the writer's next transaction, not at once.
        public let visited: Bool
    }

    let transaction: LMDBWriteTransaction
    let state: MDB_dbi

    public func makeIterator() -> Iterator {
        Iterator(order: self, nextGeneration: 0)
    }

    /// The oldest entry stored with `generation` or later: one B-tree descent, no cursor kept,
    /// so entries evicted meanwhile are simply not seen.
    public func first(storedSince generation: UInt64) throws -> Element? {
        let seek = StateRecords.orderKey(generation: generation)
        return try transaction.view.withCursor(state) { cursor -> Element? in
            let record = try seek.withUnsafeBytes { bytes in try cursor.seek(atOrAfter: bytes) }
            guard let record, let parsed = StateRecords.parseOrder(key: record.key, value: record.value) else { return nil }
            return Element(key: parsed.key, chargedBytes: parsed.chargedBytes, generation: parsed.generation,
                           visited: parsed.visited)
        }
    }

    /// Clears `entry`'s visited bit: it must be hit again to count as visited.
    public func clearVisited(_ entry: Element) throws {
        try transaction.put(state, StateRecords.orderKey(generation: entry.generation),
                            StateRecords.orderValue(chargedBytes: entry.chargedBytes, key: entry.key, visited: false))
    }

    /// The generation the policy's walk goes on from, as ``moveHand(to:)`` last saved it; 0
    /// (the oldest entry) if it never did.
    public func hand() throws -> UInt64 {
        try transaction.view.get(state, StateRecords.handKey).flatMap(StateRecords.parseHand) ?? 0
    }

    public func moveHand(to generation: UInt64) throws {
        try transaction.put(state, StateRecords.handKey, StateRecords.handValue(generation: generation))
    }

    /// Steps with ``StoredOrder/first(storedSince:)``. A read error ends the walk.
    public struct Iterator: IteratorProtocol {
        let order: StoredOrder
        var nextGeneration: UInt64?

        public mutating func next() -> Element? {
            guard let generation = nextGeneration, let found = (try? order.first(storedSince: generation)) ?? nil else {
                nextGeneration = nil
                return nil
            }
            nextGeneration = found.generation == .max ? nil : found.generation + 1
            return found
        }
    }
}

@available(*, unavailable)
extension StoredOrder: Sendable {}
