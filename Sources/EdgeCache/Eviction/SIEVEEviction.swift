/// SIEVE (Zhang et al., NSDI 2024): a FIFO list plus a "visited" bit and a
/// hand. A hit only sets the bit (no list move, so hits are cheap and need no
/// exclusive lock); eviction walks the hand from old to new, clearing bits
/// and evicting the first unvisited object. New objects that are never hit
/// again are evicted quickly, which makes it resistant to scans.
public struct SIEVEEviction<Key: Hashable>: EvictionPolicy {
    public let budget: Int
    private var pool = NodePool<Key>()
    private var list = NodeList()
    private var index: [Key: Int] = [:]
    /// Next slot to examine, or -1 to start from the oldest.
    private var hand = -1

    public init(budget: Int) {
        self.budget = budget
    }

    public var usedBytes: Int { list.bytes }
    public var count: Int { list.count }

    public func contains(_ key: Key) -> Bool { index[key] != nil }

    @discardableResult
    public mutating func recordAccess(_ key: Key) -> Bool {
        guard let slot = index[key] else { return false }
        pool[slot].mark = 1
        return true
    }

    public mutating func insert(_ key: Key, size: Int) {
        if let slot = index[key] {
            list.bytes += size - pool[slot].size
            pool[slot].size = size
            pool[slot].mark = 1
            return
        }
        let slot = pool.allocate(key, size: size)
        index[key] = slot
        list.pushNewest(slot, in: &pool)
    }

    public mutating func remove(_ key: Key) {
        guard let slot = index.removeValue(forKey: key) else { return }
        if slot == hand { hand = pool[slot].newer }
        list.unlink(slot, in: &pool)
        pool.release(slot)
    }

    public mutating func evict(reserving bytes: Int) -> [Key] {
        var victims: [Key] = []
        while list.bytes > budget - bytes, list.oldest >= 0 {
            var slot = hand >= 0 ? hand : list.oldest
            while pool[slot].mark != 0 {
                pool[slot].mark = 0
                slot = pool[slot].newer >= 0 ? pool[slot].newer : list.oldest
            }
            let key = pool[slot].key
            hand = slot
            remove(key)  // Moves the hand to the next newer object (-1: wrap to the oldest).
            victims.append(key)
        }
        return victims
    }
}
