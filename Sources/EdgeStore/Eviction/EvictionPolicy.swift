/// Chooses what the store evicts when a fill needs room. ``SIEVE`` is the default;
/// ``OldestStoredFirst`` ignores hits.
///
/// Called on the store's writer thread inside its write transaction, so it must be quick and
/// must not call back into the store; what it changes through `oldestStored` (visited bits,
/// the hand) commits with the evictions. Keys that name no entry are skipped; if the keys
/// returned free less than `bytesNeeded`, the store evicts the oldest stored entries for the
/// rest, so the size bound holds whatever the policy answers. An error fails the transaction.
public protocol EvictionPolicy: Sendable {
    /// Keys to evict, most expendable first, freeing at least `bytesNeeded` charged bytes if
    /// possible. `oldestStored` walks committed entries oldest first with their charged sizes
    /// and visited bits; it is valid only during this call.
    func evictionCandidates(bytesNeeded: Int, oldestStored: StoredOrder) throws -> [[UInt8]]
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

/// SIEVE (Zhang et al., NSDI 2024) over the stored order: a hand walks the entries from where
/// it stopped last time, oldest toward newest, wrapping around; a visited entry has its bit
/// cleared and is passed over, and the first unvisited one is evicted. New entries (a new fill
/// of a key is a new generation) start unvisited, so a scan of objects that are never hit
/// again passes through while the ones being hit stay. A hit only sets a bit
/// (``LMDBCacheStore/recordHit(_:)``): no reordering, nothing written per hit.
///
/// Both the hand (a generation) and the bits are in the `state` database, so a restart goes on
/// where the last run stopped; a `kill -9` loses only the hits not yet written (``VisitLog``).
public struct SIEVE: EvictionPolicy {
    public init() {}

    public func evictionCandidates(bytesNeeded: Int, oldestStored order: StoredOrder) throws -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var chosen: Set<UInt64> = []
        var freed = 0
        var hand = try order.hand()
        // The first lap may start midway; by the end of the next every bit is cleared, and the
        // one after that chooses whatever is left. A third wrap finds nothing more.
        var wraps = 0
        while freed < bytesNeeded, wraps < 3 {
            guard let entry = try order.first(storedSince: hand) else {
                hand = 0
                wraps += 1
                continue
            }
            hand = entry.generation &+ 1
            if chosen.contains(entry.generation) { continue }
            if entry.visited {
                try order.clearVisited(entry)
                continue
            }
            chosen.insert(entry.generation)
            keys.append(entry.key)
            freed += entry.chargedBytes
        }
        // Past the newest entry the hand wraps to the oldest, as SIEVE's does at the list's
        // head; left there, it would meet the fills stored after this walk before the oldest.
        if try order.first(storedSince: hand) == nil { hand = 0 }
        try order.moveHand(to: hand)
        return keys
    }
}
