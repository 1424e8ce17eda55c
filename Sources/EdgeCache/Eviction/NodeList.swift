/// Doubly linked lists threaded through one array of nodes, addressed by
/// index rather than by reference: no per-node allocation or reference
/// counting, and freed slots are reused. The eviction policies keep a
/// `[Key: Int]` index from key to slot.
struct NodePool<Key: Hashable> {
    struct Node {
        var key: Key
        var size: Int
        /// Neighbour toward the newest end, or -1.
        var newer: Int
        /// Neighbour toward the oldest end, or -1.
        var older: Int
        /// Policy-defined bits: SIEVE's visited bit, S3-FIFO's frequency and queue.
        var mark: UInt8
    }

    private var nodes: [Node] = []
    private var freeSlots: [Int] = []

    subscript(slot: Int) -> Node {
        get { nodes[slot] }
        _modify { yield &nodes[slot] }
    }

    mutating func allocate(_ key: Key, size: Int) -> Int {
        let node = Node(key: key, size: size, newer: -1, older: -1, mark: 0)
        if let slot = freeSlots.popLast() {
            nodes[slot] = node
            return slot
        }
        nodes.append(node)
        return nodes.count - 1
    }

    mutating func release(_ slot: Int) {
        freeSlots.append(slot)
    }
}

/// One list's ends and totals; the nodes live in a `NodePool`.
struct NodeList {
    /// Slot of the newest node, or -1.
    private(set) var newest = -1
    /// Slot of the oldest node, or -1.
    private(set) var oldest = -1
    private(set) var count = 0
    /// Sum of the sizes of the nodes in the list.
    var bytes = 0

    mutating func pushNewest<Key>(_ slot: Int, in pool: inout NodePool<Key>) {
        pool[slot].older = newest
        pool[slot].newer = -1
        if newest >= 0 { pool[newest].newer = slot } else { oldest = slot }
        newest = slot
        count += 1
        bytes += pool[slot].size
    }

    mutating func unlink<Key>(_ slot: Int, in pool: inout NodePool<Key>) {
        let (newer, older) = (pool[slot].newer, pool[slot].older)
        if newer >= 0 { pool[newer].older = older } else { newest = older }
        if older >= 0 { pool[older].newer = newer } else { oldest = newer }
        count -= 1
        bytes -= pool[slot].size
    }
}
