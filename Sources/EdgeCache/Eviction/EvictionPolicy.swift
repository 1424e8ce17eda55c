/// Which cached objects to drop when the cache is over its byte budget.
///
/// Implementations are plain data structures over keys and sizes: they never
/// touch the store. The store reports accesses and inserts, asks for victims
/// with `evictToBudget()`, and deletes those itself. Values, not objects:
/// give each one a single owner (the store's writer thread, or a lock).
///
/// Only stdlib is used here, so `benchmarks/eviction/run` can compile these
/// files alone into the simulator.
public protocol EvictionPolicy<Key> {
    associatedtype Key: Hashable

    /// The byte budget the policy keeps `usedBytes` within.
    var budget: Int { get }
    /// Sum of the sizes of the resident keys.
    var usedBytes: Int { get }
    /// Number of resident keys.
    var count: Int { get }

    /// True if `key` is resident (ghost entries of S3-FIFO are not).
    func contains(_ key: Key) -> Bool

    /// A hit on `key`. Returns false when it is not resident (nothing changes).
    @discardableResult
    mutating func recordAccess(_ key: Key) -> Bool

    /// Makes `key` resident with `size` bytes without evicting (or updates its
    /// size, counting as an access): for rebuilding state at startup, followed
    /// by `evictToBudget()`. The miss path uses `admit`.
    mutating func insert(_ key: Key, size: Int)

    /// Forgets `key` (deleted or invalidated outside eviction).
    mutating func remove(_ key: Key)

    /// Evicts until `usedBytes + bytes <= budget` and returns the victims, in
    /// eviction order.
    mutating func evict(reserving bytes: Int) -> [Key]
}

extension EvictionPolicy {
    /// The miss path: makes room for `size` bytes, then inserts `key`, so the
    /// newcomer is never its own eviction candidate (as the algorithms are
    /// specified). Returns the keys the store must delete. An object larger
    /// than the whole budget is not admitted (or no longer kept) and is
    /// returned as its own victim, without evicting anything else. A resident
    /// key has its size updated.
    public mutating func admit(_ key: Key, size: Int) -> [Key] {
        guard size <= budget else {
            remove(key)
            return [key]
        }
        if contains(key) {
            insert(key, size: size)
            return evictToBudget()
        }
        let victims = evict(reserving: size)
        insert(key, size: size)
        return victims
    }

    /// Evicts until `usedBytes <= budget` (after `insert`s or a size update).
    public mutating func evictToBudget() -> [Key] {
        evict(reserving: 0)
    }
}
