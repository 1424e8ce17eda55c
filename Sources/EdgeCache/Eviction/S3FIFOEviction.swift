/// S3-FIFO (Yang et al., SOSP 2023): a small probationary FIFO (10% of the
/// budget), a main FIFO with reinsertion (90%), and a ghost queue of keys
/// recently dropped from the small one. New objects enter the small queue;
/// leaving it, they move to main if they were hit (at least
/// `promotionThreshold` times) and are dropped otherwise, remembered as
/// ghosts. A ghost that is requested again enters main directly. Main evicts
/// in FIFO order, but reinserts an object that was hit, spending one unit of
/// its 2-bit frequency. One-hit wonders (most of a CDN's objects) thus never
/// reach main, which is why it resists scans.
public struct S3FIFOEviction<Key: Hashable>: EvictionPolicy {
    public let budget: Int
    /// Byte budget of the small queue: 10% (the paper's choice).
    public let smallBudget: Int
    /// Hits needed in the small queue to be promoted to main (libCacheSim's default: 1).
    public let promotionThreshold: UInt8

    private var pool = NodePool<Key>()
    private var small = NodeList()
    private var main = NodeList()
    private var ghosts: GhostQueue<Key>
    private var index: [Key: Int] = [:]

    /// Frequency (0...3) in the mark's low bits; bit 7 set when in main.
    private static var inMain: UInt8 { 0x80 }
    private static var maximumFrequency: UInt8 { 3 }

    public init(budget: Int, smallFraction: Double = 0.1, promotionThreshold: UInt8 = 1) {
        self.budget = budget
        self.smallBudget = max(1, Int(Double(budget) * smallFraction))
        self.promotionThreshold = promotionThreshold
        self.ghosts = GhostQueue(budget: budget - smallBudget)
    }

    public var usedBytes: Int { small.bytes + main.bytes }
    public var count: Int { small.count + main.count }

    public func contains(_ key: Key) -> Bool { index[key] != nil }

    @discardableResult
    public mutating func recordAccess(_ key: Key) -> Bool {
        guard let slot = index[key] else { return false }
        let mark = pool[slot].mark
        if mark & 0x7F < Self.maximumFrequency { pool[slot].mark = mark + 1 }
        return true
    }

    public mutating func insert(_ key: Key, size: Int) {
        if let slot = index[key] {
            let inMain = pool[slot].mark & Self.inMain != 0
            if inMain { main.bytes += size - pool[slot].size } else { small.bytes += size - pool[slot].size }
            pool[slot].size = size
            recordAccess(key)
            return
        }
        let slot = pool.allocate(key, size: size)
        index[key] = slot
        if ghosts.remove(key) {
            pool[slot].mark = Self.inMain
            main.pushNewest(slot, in: &pool)
        } else {
            small.pushNewest(slot, in: &pool)
        }
    }

    public mutating func remove(_ key: Key) {
        guard let slot = index.removeValue(forKey: key) else { return }
        if pool[slot].mark & Self.inMain != 0 { main.unlink(slot, in: &pool) } else { small.unlink(slot, in: &pool) }
        pool.release(slot)
    }

    public mutating func evict(reserving bytes: Int) -> [Key] {
        var victims: [Key] = []
        while usedBytes > budget - bytes, count > 0 {
            let victim = small.bytes >= smallBudget || main.count == 0 ? evictFromSmall() : evictFromMain()
            if let victim { victims.append(victim) }
        }
        return victims
    }

    /// One step at the small queue's tail: promote a hit object to main (its
    /// frequency cleared), or drop an unhit one into the ghost queue.
    private mutating func evictFromSmall() -> Key? {
        let slot = small.oldest
        small.unlink(slot, in: &pool)
        if pool[slot].mark & 0x7F >= promotionThreshold {
            pool[slot].mark = Self.inMain
            main.pushNewest(slot, in: &pool)
            return nil
        }
        let node = pool[slot]
        index[node.key] = nil
        pool.release(slot)
        ghosts.add(node.key, size: node.size)
        return node.key
    }

    /// One step at the main queue's tail: reinsert a hit object (spending one
    /// unit of frequency), or evict it.
    private mutating func evictFromMain() -> Key? {
        let slot = main.oldest
        main.unlink(slot, in: &pool)
        let frequency = pool[slot].mark & 0x7F
        if frequency > 0 {
            pool[slot].mark = Self.inMain | (frequency - 1)
            main.pushNewest(slot, in: &pool)
            return nil
        }
        let key = pool[slot].key
        index[key] = nil
        pool.release(slot)
        return key
    }
}
