import Foundation
@testable import EdgeStore
import Testing

@Suite struct SieveTests {
    private typealias Entries = SmallEntries

    @Test func entriesBeingHitSurviveAScanOfEntriesNeverHit() async throws {
        let hot = (0..<4).map { Entries.key("h", $0) }
        let underSIEVE = try await survivorsOfAScan(hot: hot, policy: SIEVE())
        #expect(Set(hot).isSubset(of: underSIEVE))
        let underFIFO = try await survivorsOfAScan(hot: hot, policy: OldestStoredFirst())
        #expect(Set(hot).isDisjoint(with: underFIFO), "the same workload without visited bits loses them")
    }

    /// Stores 4 entries that keep being hit, then 100 that are never hit, in a store that
    /// holds 16; returns the keys left.
    private func survivorsOfAScan(hot: [String], policy: any EvictionPolicy) async throws -> Set<String> {
        try await withStore(try await Entries.budget(capacity: 16), policy: policy) { store, _ in
            for key in hot { try await store.put(key) }
            for index in 0..<100 {
                if index.isMultiple(of: 4) { try store.hit(hot) }
                try await store.put(Entries.key("s", index))
                #expect(store.usage.usedBytes <= store.configuration.maxSize)
            }
            #expect(store.usage.entryCount == 16)
            #expect(store.usage.evictedEntries == 104 - 16)
            return try store.keys()
        }
    }

    @Test func whenEveryEntryWasHitTheHandClearsThemAllAndEvictsInStoredOrder() async throws {
        let (first, second) = try await keysAfterTwoFills(hitting: 0..<4)
        #expect(first == ["/e/001", "/e/002", "/e/003", "/s/000"], "a full lap, then the oldest")
        #expect(second == ["/e/002", "/e/003", "/s/000", "/s/001"], "the hand goes on from there, and the bits it cleared stay cleared")
    }

    @Test func afterEvictingTheNewestTheHandStartsAgainAtTheOldest() async throws {
        let (first, second) = try await keysAfterTwoFills(hitting: 0..<3)
        #expect(first == ["/e/000", "/e/001", "/e/002", "/s/000"], "the only one not hit")
        #expect(second == ["/e/001", "/e/002", "/s/000", "/s/001"],
                "the hand wrapped to e/000 (its bit cleared), not on to s/000, stored after it passed")
    }

    /// In a store holding 4, stores e/000 to e/003, hits those in `hit`, then stores s/000 and
    /// s/001: the keys left after each.
    private func keysAfterTwoFills(hitting hit: Range<Int>) async throws -> (Set<String>, Set<String>) {
        try await withStore(try await Entries.budget(capacity: 4)) { store, _ in
            let stored = (0..<4).map { Entries.key("e", $0) }
            for key in stored { try await store.put(key) }
            try store.hit(Array(stored[hit]))
            try await store.put(Entries.key("s", 0))
            let first = try store.keys()
            try await store.put(Entries.key("s", 1))
            return (first, try store.keys())
        }
    }

    @Test func aReplacedEntryStartsUnvisited() async throws {
        try await withStore(try await Entries.budget(capacity: 9)) { store, _ in
            let stored = (0..<8).map { Entries.key("e", $0) }
            for key in stored { try await store.put(key) }
            try store.hit([stored[0], stored[1]])
            try await store.put(stored[0])  // a new fill: a new generation, stored newest

            let scan = (0..<8).map { Entries.key("s", $0) }
            for key in scan { try await store.put(key) }  // the first fits; each later one evicts one
            #expect(store.usage.evictedEntries == 7)
            #expect(try store.keys() == Set([stored[1]] + scan),
                    "e/002 to e/007, then the new e/000, unvisited despite its key's earlier hit; e/001 was hit")
        }
    }

    @Test func visitedBitsSurviveReopening() async throws {
        let (directory, configuration) = try await reopenableStore(capacity: 8)
        defer { directory.remove() }
        let stored = (0..<8).map { Entries.key("e", $0) }
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            for key in stored { try await store.put(key) }
            try store.hit([stored[0]])
            try await store.flush()  // written by the flush's transaction
            try store.hit([stored[1]])  // written at close
            store.close()
        }
        let bits = try storedVisitedBits(configuration)
        #expect(bits == Dictionary(uniqueKeysWithValues: stored.enumerated().map { ($1, $0 < 2) }))

        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        try await store.put(Entries.key("s", 0))
        try await store.put(Entries.key("s", 1))
        #expect(try store.keys() == Set(stored.filter { $0 != stored[2] && $0 != stored[3] } + [Entries.key("s", 0), Entries.key("s", 1)]))
    }

    @Test func theHandSurvivesReopening() async throws {
        let (directory, configuration) = try await reopenableStore(capacity: 8)
        defer { directory.remove() }
        let stored = (0..<8).map { Entries.key("e", $0) }
        let generations: [String: UInt64]
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            for key in stored { try await store.put(key) }
            generations = Dictionary(uniqueKeysWithValues: try store.makeReader().entries().map {
                (String(decoding: $0.key, as: UTF8.self), $0.generation)
            })
            try store.hit([stored[0], stored[1]])
            try await store.put(Entries.key("s", 0))  // clears e/000 and e/001, evicts e/002
            #expect(try !store.keys().contains(stored[2]))
            store.close()
        }
        let hand = try withRawEnvironment(configuration) { environment, transaction in
            try transaction.view.get(environment.state, StateRecords.handKey).flatMap(StateRecords.parseHand)
        }
        #expect(hand.map { (generations[stored[2]]! + 1...generations[stored[3]]!).contains($0) } == true,
                "the hand stopped just past e/002")
        #expect(try storedVisitedBits(configuration)[stored[0]] == false)

        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        try await store.put(Entries.key("s", 1))
        #expect(try store.keys() == Set([stored[0], stored[1]] + stored[4...] + [Entries.key("s", 0), Entries.key("s", 1)]),
                "e/003 goes next, not e/000, whose bit is clear but which the hand has passed")
    }

    @Test func theVisitLogHoldsEachHitOnceAndAsksForAWriteWhenAShardFills() {
        let log = VisitLog(drainThreshold: 48)  // 16 shards by generation: 3 each
        #expect(!log.record(16))
        #expect(!log.record(16))
        #expect(!log.record(32))
        #expect(log.record(48), "the third generation in shard 0")
        #expect(!log.record(64), "only once")
        #expect(!log.record(1))
        #expect(log.take() == [1, 16, 32, 48, 64])
        #expect(log.isEmpty)
        log.putBack([5, 21])
        #expect(log.take() == [5, 21])
    }

    @Test func theVisitLogAsksForAWriteOnceThePersistIntervalHasPassed() throws {
        let log = VisitLog(drainThreshold: 1 << 20, persistInterval: .milliseconds(50))
        #expect(!log.record(1), "the interval starts when the log is made")
        Thread.sleep(forTimeInterval: 0.08)
        #expect(!log.record(1), "a generation already in the log asks for nothing")
        #expect(log.record(2), "the first new one after the interval does")
        #expect(!log.record(3), "and the interval starts again")
    }

    /// A fresh directory (the caller removes it) and a configuration for it whose budget holds
    /// `capacity` entries, for stores closed and opened again.
    private func reopenableStore(capacity: Int) async throws -> (TemporaryDirectory, CacheStoreConfiguration) {
        let directory = TemporaryDirectory()
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        try await Entries.budget(capacity: capacity)(&configuration)
        return (directory, configuration)
    }

    /// Each stored-order record's visited bit, by key, as the closed store left them.
    private func storedVisitedBits(_ configuration: CacheStoreConfiguration) throws -> [String: Bool] {
        try withRawEnvironment(configuration) { environment, transaction in
            var bits: [String: Bool] = [:]
            try transaction.view.forEach(environment.state, prefix: [StateRecords.orderTag]) { key, value in
                if let record = StateRecords.parseOrder(key: key, value: value) {
                    bits[String(decoding: record.key, as: UTF8.self)] = record.visited
                }
                return true
            }
            return bits
        }
    }
}
