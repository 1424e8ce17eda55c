@testable import EdgeStore
import Foundation
import NIOCore
import Testing

@Suite struct SizeBoundTests {
    private static let budget = 256 * 1024

    private func bounded(_ configuration: inout CacheStoreConfiguration) {
        configuration.maxSize = Self.budget
        configuration.maxEntrySize = Self.budget / 2
    }

    @Test func theBudgetHoldsAndTheOldestGoFirst() async throws {
        try await withStore(bounded) { store, _ in
            for index in 0..<40 {
                try await store.store(key: "/k/\(index)", version: 1, length: 20_000)
                #expect(store.usage.usedBytes <= Self.budget)
            }
            let survivors = try store.makeReader().entries().map { Int(String(decoding: $0.key.dropFirst(3), as: UTF8.self))! }
            #expect(survivors.count > 5)
            #expect(survivors.sorted() == Array((40 - survivors.count)..<40), "the newest survive")
            #expect(store.usage.evictedEntries == 40 - survivors.count)
            let reader = store.makeReader()
            for index in survivors {
                let key = "/k/\(index)"
                #expect(try reader.body(of: key) == TestBodies.bytes(key: Array(key.utf8), version: 1, count: 20_000))
            }
        }
    }

    @Test func theInjectedPolicyChoosesTheVictims() async throws {
        let policy = NewestStoredFirst()
        try await withStore(bounded, policy: policy) { store, _ in
            for index in 0..<40 { try await store.store(key: "/k/\(index)", version: 1, length: 20_000) }
            let keys = try store.makeReader().entries().map { String(decoding: $0.key, as: UTF8.self) }
            #expect(keys.contains("/k/0") && keys.contains("/k/1"), "the oldest survive under a newest-first policy")
            #expect(keys.contains("/k/39"))
            #expect(!policy.requests.isEmpty)
            #expect(policy.requests.allSatisfy { $0 > 0 && $0 <= 20_000 + 8192 })
        }
    }

    @Test func aBodyThatCannotFitFailsWithoutEmptyingTheCache() async throws {
        try await withStore(bounded) { store, _ in
            try await store.store(key: "/small", version: 1, length: 1000)
            await #expect(throws: CacheStoreError.full) {
                try await store.store(key: "/huge", version: 1, length: Self.budget)
            }
            #expect(try store.makeReader().lookup(Array("/huge".utf8)) == nil)
            #expect(try store.makeReader().lookup(Array("/small".utf8)) != nil)
            #expect(store.usage.entryCount == 1)
        }
    }

    @Test func fillsInProgressCountAgainstTheBudget() async throws {
        try await withStore(bounded) { store, _ in
            let pending = (0..<3).map { store.beginFill(key: Array("/pending/\($0)".utf8), on: TestEventLoop.shared) }
            // 12 full chunks (two pages each: 4 KiB plus the overflow page header) and a short one: ~100 KiB.
            for fill in pending { append(TestBodies.bytes(key: [1], version: 1, count: 50_000), to: fill, partSize: 4096) }
            try await store.flush()
            #expect(store.usage.usedBytes <= Self.budget)
            var outcomes: [Bool] = []
            for fill in pending {
                outcomes.append((try? await fill.commit(meta: ByteBuffer()).get()) != nil)
            }
            #expect(outcomes.filter { $0 }.count == 2, "two fit beside each other, the third cannot")
        }
    }
}

/// Evicts the newest entries first and records what it was asked for.
///
/// `@unchecked Sendable`: `recorded` is only touched with `lock` held.
final class NewestStoredFirst: EvictionPolicy, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []

    var requests: [Int] { lock.withLock { recorded } }

    func evictionCandidates(bytesNeeded: Int, oldestStored: StoredOrder) -> [[UInt8]] {
        lock.withLock { recorded.append(bytesNeeded) }
        var keys: [[UInt8]] = []
        var freed = 0
        for entry in oldestStored.reversed() where freed < bytesNeeded {
            keys.append(entry.key)
            freed += entry.chargedBytes
        }
        return keys
    }
}
