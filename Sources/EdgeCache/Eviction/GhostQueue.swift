/// Keys recently evicted from S3-FIFO's small queue, without data, in FIFO
/// order and within a byte budget (the sizes the objects had). A key found
/// here on insert skips probation and goes straight to the main queue.
struct GhostQueue<Key: Hashable> {
    let budget: Int
    private var order: [(key: Key, size: Int, stamp: Int)] = []
    private var head = 0
    /// Key → stamp of its live entry in `order`; older entries for the same key are stale.
    private var live: [Key: Int] = [:]
    private var stamp = 0
    private(set) var bytes = 0

    init(budget: Int) {
        self.budget = budget
    }

    func contains(_ key: Key) -> Bool { live[key] != nil }

    mutating func add(_ key: Key, size: Int) {
        _ = remove(key)
        stamp += 1
        order.append((key, size, stamp))
        live[key] = stamp
        bytes += size
        while bytes > budget, head < order.count {
            let oldest = order[head]
            head += 1
            if live[oldest.key] == oldest.stamp {
                live[oldest.key] = nil
                bytes -= oldest.size
            }
        }
        compactIfMostlyConsumed()
    }

    /// Removes `key`; true if it was there.
    mutating func remove(_ key: Key) -> Bool {
        guard let entryStamp = live.removeValue(forKey: key) else { return false }
        // Entries are in stamp order: find it to give back its bytes; the slot stays, marked stale.
        var low = head
        var high = order.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if order[middle].stamp == entryStamp {
                bytes -= order[middle].size
                return true
            }
            if order[middle].stamp < entryStamp { low = middle + 1 } else { high = middle - 1 }
        }
        return true
    }

    private mutating func compactIfMostlyConsumed() {
        guard head > 1024, head * 2 > order.count else { return }
        order.removeFirst(head)
        head = 0
    }
}
