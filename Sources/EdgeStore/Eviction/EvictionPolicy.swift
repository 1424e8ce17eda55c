/// Chooses what the store evicts when a fill needs room. The cache layer's policy (LRU, size-
/// aware, …) implements it; ``OldestStoredFirst`` is the default.
///
/// Called on the store's writer thread inside its write transaction, so it must be quick and
/// must not call back into the store. Keys that name no entry are skipped; if the keys returned
/// free less than `bytesNeeded`, the store evicts the oldest stored entries for the rest, so
/// the size bound holds whatever the policy answers.
public protocol EvictionPolicy: Sendable {
    /// Keys to evict, most expendable first, freeing at least `bytesNeeded` charged bytes if
    /// possible. `oldestStored` walks committed entries oldest first with their charged sizes;
    /// it is valid only during this call.
    func evictionCandidates(bytesNeeded: Int, oldestStored: StoredOrder) -> [[UInt8]]
}

/// Evicts the entries stored longest ago (FIFO): no per-hit bookkeeping, and survives restarts
/// because the order is the fills' generation order.
public struct OldestStoredFirst: EvictionPolicy {
    public init() {}

    public func evictionCandidates(bytesNeeded: Int, oldestStored: StoredOrder) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var freed = 0
        for entry in oldestStored {
            guard freed < bytesNeeded else { break }
            keys.append(entry.key)
            freed += entry.chargedBytes
        }
        return keys
    }
}
