/// Least recently used: every hit moves the object to the front, the back is
/// evicted. The reference point; its weakness is that one scan of new objects
/// flushes everything popular, and every hit writes (moves) list nodes.
public struct LRUEviction<Key: Hashable>: EvictionPolicy {
    public let budget: Int
    private var pool = NodePool<Key>()
    private var list = NodeList()
    private var index: [Key: Int] = [:]

    public init(budget: Int) {
        self.budget = budget
    }

    public var usedBytes: Int { list.bytes }
    public var count: Int { list.count }

    public func contains(_ key: Key) -> Bool { index[key] != nil }

    @discardableResult
    public mutating func recordAccess(_ key: Key) -> Bool {
        guard let slot = index[key] else { return false }
        list.unlink(slot, in: &pool)
        list.pushNewest(slot, in: &pool)
        return true
    }

    public mutating func insert(_ key: Key, size: Int) {
        if let slot = index[key] {
            list.unlink(slot, in: &pool)
            pool[slot].size = size
            list.pushNewest(slot, in: &pool)
            return
        }
        let slot = pool.allocate(key, size: size)
        index[key] = slot
        list.pushNewest(slot, in: &pool)
    }

    public mutating func remove(_ key: Key) {
        guard let slot = index.removeValue(forKey: key) else { return }
        list.unlink(slot, in: &pool)
        pool.release(slot)
    }

    public mutating func evict(reserving bytes: Int) -> [Key] {
        var victims: [Key] = []
        while list.bytes > budget - bytes, list.oldest >= 0 {
            let key = pool[list.oldest].key
            remove(key)
            victims.append(key)
        }
        return victims
    }
}
