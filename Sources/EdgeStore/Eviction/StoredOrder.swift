internal import CLMDB

/// The committed entries in the order they were stored, oldest first, read lazily from the
/// `state` database's order index inside the writer's transaction. Valid only during the
/// ``EvictionPolicy`` call it is passed to.
public struct StoredOrder: Sequence {
    public struct Element: Hashable {
        public let key: [UInt8]
        /// What evicting it frees.
        public let chargedBytes: Int
        public let generation: UInt64
    }

    let view: LMDBTransactionView
    let state: MDB_dbi

    public func makeIterator() -> Iterator {
        Iterator(order: self, nextGeneration: 0)
    }

    /// Re-seeks on every step (one B-tree descent), so no cursor outlives a call and entries
    /// evicted meanwhile are simply not seen again. A read error ends the walk.
    public struct Iterator: IteratorProtocol {
        let order: StoredOrder
        var nextGeneration: UInt64?

        public mutating func next() -> Element? {
            guard let generation = nextGeneration else { return nil }
            let seek = StateRecords.orderKey(generation: generation)
            let found = try? order.view.withCursor(order.state) { cursor -> Element? in
                let record = try seek.withUnsafeBytes { bytes in try cursor.seek(atOrAfter: bytes) }
                guard let record, let parsed = StateRecords.parseOrder(key: record.key, value: record.value) else { return nil }
                return Element(key: parsed.key, chargedBytes: parsed.chargedBytes, generation: parsed.generation)
            }
            guard let found = found ?? nil else {
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
