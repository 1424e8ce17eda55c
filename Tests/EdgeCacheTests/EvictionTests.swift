import EdgeCache
import Testing

/// Each policy's behaviour on small, hand-checked cases (hit ratios are for
/// `benchmarks/eviction/run`, not for tests).
@Suite("eviction policies")
struct EvictionTests {
    @Test("LRU evicts the least recently used, a hit refreshes")
    func lru() {
        var lru = LRUEviction<String>(budget: 30)
        #expect(lru.admit("a", size: 10).isEmpty)
        #expect(lru.admit("b", size: 10).isEmpty)
        #expect(lru.admit("c", size: 10).isEmpty)
        lru.recordAccess("a")
        #expect(lru.admit("d", size: 10) == ["b"])
        #expect(lru.admit("e", size: 15) == ["c", "a"])
        #expect(lru.usedBytes == 25 && lru.count == 2)
        let missed = !lru.recordAccess("b")
        #expect(missed)
    }

    @Test("SIEVE keeps visited objects in place and evicts the first unvisited from the hand")
    func sieve() {
        var sieve = SIEVEEviction<String>(budget: 30)
        for key in ["a", "b", "c"] { #expect(sieve.admit(key, size: 10).isEmpty) }
        sieve.recordAccess("b")
        sieve.recordAccess("c")
        // The hand starts at the oldest: a is unvisited → evicted; the hand moves to b.
        #expect(sieve.admit("d", size: 10) == ["a"])
        // b and c are visited: their bits are cleared and they stay where they are;
        // d is the first unvisited. The hand passes the newest end and wraps.
        #expect(sieve.admit("e", size: 10) == ["d"])
        // From the oldest again: b, now unvisited, goes.
        #expect(sieve.admit("f", size: 10) == ["b"])
        #expect(sieve.contains("c") && sieve.contains("e") && sieve.contains("f"))
    }

    @Test("SIEVE: removing the object under the hand moves the hand on")
    func sieveRemoveUnderHand() {
        var sieve = SIEVEEviction<String>(budget: 30)
        for key in ["a", "b", "c"] { _ = sieve.admit(key, size: 10) }
        sieve.recordAccess("b")
        #expect(sieve.admit("d", size: 10) == ["a"])  // hand now at b
        sieve.remove("b")
        #expect(sieve.admit("e", size: 10).isEmpty)
        #expect(sieve.admit("f", size: 10) == ["c"])
    }

    @Test("S3-FIFO: one-hit wonders leave through the small queue; hit objects move to main")
    func s3fifoProbation() {
        var cache = S3FIFOEviction<String>(budget: 100)  // small queue: 10 bytes
        #expect(cache.admit("hot", size: 10).isEmpty)
        cache.recordAccess("hot")
        #expect(cache.admit("x", size: 10).isEmpty)  // small is at budget: hot promoted, x stays
        for index in 0..<20 {
            let victims = cache.admit("scan\(index)", size: 10)
            #expect(!victims.contains("hot"), "\(index)")
        }
        #expect(cache.contains("hot"))
        #expect(cache.usedBytes <= 100)
    }

    @Test("S3-FIFO: a ghost hit goes straight to main")
    func s3fifoGhost() {
        var cache = S3FIFOEviction<String>(budget: 20)  // small queue: 2 bytes
        #expect(cache.admit("a", size: 10).isEmpty)
        #expect(cache.admit("b", size: 10).isEmpty)
        #expect(cache.admit("c", size: 10) == ["a"])  // a leaves unhit → ghost
        #expect(!cache.contains("a"))
        #expect(cache.admit("a", size: 10) == ["b"])  // ghost → main; small evicts b
        #expect(cache.contains("a") && cache.contains("c"))
        // a is in main now: newcomers churn the small queue around it.
        #expect(cache.admit("d", size: 10) == ["c"])
        #expect(cache.contains("a"))
    }

    @Test("S3-FIFO: main reinserts hit objects, spending frequency")
    func s3fifoMainReinsertion() {
        var cache = S3FIFOEviction<String>(budget: 20)  // small queue: 2 bytes
        _ = cache.admit("a", size: 10)
        _ = cache.admit("b", size: 10)
        #expect(cache.admit("c", size: 10) == ["a"])
        #expect(cache.admit("a", size: 10) == ["b"])  // ghost → main
        #expect(cache.admit("b", size: 10) == ["c"])  // ghost → main; main is now a, b
        cache.recordAccess("a")
        // Main's tail is a, but it was hit: reinserted (spending the hit); b goes.
        #expect(cache.admit("d", size: 10) == ["b"])
        #expect(cache.contains("a"))
        // a has no hits left, but the small queue is over its share: d leaves first.
        #expect(cache.admit("e", size: 10) == ["d"])
    }

    @Test(
        "every policy: sizes are counted, updates and removals free bytes, oversize objects evict themselves",
        arguments: ["LRU", "SIEVE", "S3-FIFO"])
    func accounting(_ name: String) {
        var policy = makePolicy(name, budget: 100)
        #expect(policy.admit("a", size: 40).isEmpty)
        #expect(policy.admit("b", size: 40).isEmpty)
        #expect(policy.usedBytes == 80 && policy.count == 2)
        policy.insert("a", size: 50)
        #expect(policy.usedBytes == 90 && policy.count == 2)
        policy.remove("b")
        #expect(policy.usedBytes == 50 && policy.count == 1 && !policy.contains("b"))
        policy.remove("b")
        #expect(policy.usedBytes == 50)
        #expect(policy.admit("huge", size: 101) == ["huge"])
        #expect(policy.usedBytes == 50 && policy.contains("a") && !policy.contains("huge"))
        #expect(policy.evictToBudget().isEmpty)
        policy.insert("b", size: 70)
        #expect(policy.usedBytes == 120)
        #expect(policy.evictToBudget().count == 1)
        #expect(policy.usedBytes <= 100)
    }

    @Test(
        "every policy stays within budget and consistent under a long random workload",
        arguments: ["LRU", "SIEVE", "S3-FIFO"])
    func randomized(_ name: String) {
        var policy = makePolicy(name, budget: 10_000)
        var resident = Set<String>()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = "k\(Int(state >> 33) % 300)"
            let size = 1 + Int(state >> 20) % 400
            let hit = policy.recordAccess(key)
            if hit {
                #expect(resident.contains(key))
            } else {
                resident.insert(key)
                for victim in policy.admit(key, size: size) { resident.remove(victim) }
            }
            if Int(state >> 40) % 50 == 0 {
                policy.remove(key)
                resident.remove(key)
            }
            #expect(policy.usedBytes <= 10_000)
        }
        #expect(policy.count == resident.count)
        #expect(resident.allSatisfy { policy.contains($0) })
    }
}

private func makePolicy(_ name: String, budget: Int) -> any EvictionPolicy<String> {
    switch name {
    case "LRU": return LRUEviction<String>(budget: budget)
    case "SIEVE": return SIEVEEviction<String>(budget: budget)
    default: return S3FIFOEviction<String>(budget: budget)
    }
}
