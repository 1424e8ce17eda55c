@testable import EdgeStore
import Foundation
import NIOCore
import Testing

@Suite struct ReplaceMetaTests {
    private let loop = TestEventLoop.shared

    @Test func replacesTheMetadataAndKeepsTheBodyAndTheAccounting() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        let key = "/object"
        let body = TestBodies.bytes(key: Array(key.utf8), version: 1, count: 3 * 4096 + 5)
        let longMeta = ByteBuffer(string: "refreshed;" + String(repeating: "x", count: 3000))
        let original: StoredEntry
        let usageReplaced: StoreUsage
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(body, key: key, meta: ByteBuffer(string: "short"))
            let reader = store.makeReader()
            original = try #require(try reader.lookup(Array(key.utf8)))
            let usageBefore = store.usage

            #expect(try await store.replaceMeta(key: original.key, generation: original.generation, meta: longMeta, on: loop).get())
            let refreshed = try #require(try reader.lookup(Array(key.utf8)))
            #expect(refreshed.meta == longMeta)
            #expect(refreshed.generation == original.generation)
            #expect(refreshed.checksum == original.checksum && refreshed.chunkCount == original.chunkCount
                    && refreshed.bodyLength == original.bodyLength)
            #expect(try reader.body(of: refreshed) == body)
            #expect(try reader.body(of: original) == body, "a response streaming the entry it looked up before goes on")
            #expect(try reader.verifyBody(of: refreshed))
            usageReplaced = store.usage
            #expect(usageReplaced.usedBytes == usageBefore.usedBytes + (try await chargeDifference(from: "short", to: longMeta, body: body, key: key)))
            #expect(usageReplaced.entryCount == 1)
            store.close()
        }

        let (headerCharge, orderCharge) = try withRawEnvironment(configuration) { environment, transaction in
            let header = try #require(try transaction.view.get(environment.meta, Array(key.utf8)).flatMap(EntryHeader.init(decoding:)))
            let order = try #require(try transaction.view.get(environment.state, StateRecords.orderKey(generation: original.generation))
                .flatMap(StateRecords.parseOrderValue))
            return (header.chargedBytes, order.chargedBytes)
        }
        #expect(headerCharge == usageReplaced.usedBytes && orderCharge == headerCharge, "the entry's charge is its records'")

        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        #expect(store.startupReport.usedBytes == usageReplaced.usedBytes, "start-up sums the headers to what the ledger said")
        #expect(try store.makeReader().lookup(Array(key.utf8))?.meta == longMeta)
    }

    /// How much more an entry of `body` charges with `to` as metadata than with `from`: stored
    /// both ways on scratch stores.
    private func chargeDifference(from: String, to: ByteBuffer, body: [UInt8], key: String) async throws -> Int {
        let short = try await withStore { store, _ in
            try await store.store(body, key: key, meta: ByteBuffer(string: from))
            return store.usage.usedBytes
        }
        let long = try await withStore { store, _ in
            try await store.store(body, key: key, meta: to)
            return store.usage.usedBytes
        }
        #expect(long > short)
        return long - short
    }

    @Test func anEntryReplacedByANewerFillIsLeftAlone() async throws {
        try await withStore { store, _ in
            try await store.store(key: "/k", version: 1, length: 5000)
            let stale = try #require(try store.makeReader().lookup(Array("/k".utf8)))
            try await store.store(key: "/k", version: 2, length: 7000)
            let usage = store.usage

            #expect(try await !store.replaceMeta(key: stale.key, generation: stale.generation, meta: TestBodies.meta(version: 1), on: loop).get())
            let current = try #require(try store.makeReader().lookup(Array("/k".utf8)))
            #expect(TestBodies.version(of: current) == 2)
            #expect(try store.makeReader().body(of: current) == TestBodies.bytes(key: Array("/k".utf8), version: 2, count: 7000))
            #expect(store.usage == usage)
        }
    }

    @Test func aDeletedOrEvictedEntryStaysGone() async throws {
        try await withStore(try await SmallEntries.budget(capacity: 8)) { store, _ in
            try await store.put("/d/000")
            let deleted = try #require(try store.makeReader().lookup(Array("/d/000".utf8)))
            #expect(try await store.delete(key: deleted.key, on: loop).get())
            #expect(try await !store.replaceMeta(key: deleted.key, generation: deleted.generation, meta: ByteBuffer(string: "new"), on: loop).get())
            #expect(try store.makeReader().lookup(deleted.key) == nil)
            #expect(store.usage.usedBytes == 0)

            for index in 0..<8 { try await store.put(SmallEntries.key("e", index)) }
            let evicted = try #require(try store.makeReader().lookup(Array(SmallEntries.key("e", 0).utf8)))
            try await store.put(SmallEntries.key("s", 0))
            #expect(try store.makeReader().lookup(evicted.key) == nil)
            #expect(try await !store.replaceMeta(key: evicted.key, generation: evicted.generation, meta: ByteBuffer(string: "new"), on: loop).get())
            #expect(try store.makeReader().lookup(evicted.key) == nil)
        }
    }

    @Test func aDeleteCalledAfterwardsWins() async throws {
        try await withStore { store, _ in
            try await store.store(key: "/img/a", version: 1, length: 5000)
            let entry = try #require(try store.makeReader().lookup(Array("/img/a".utf8)))
            let replaced = store.replaceMeta(key: entry.key, generation: entry.generation, meta: ByteBuffer(string: "new"), on: loop)
            let removed = store.deleteMatching(prefix: Array("/img/".utf8), on: loop)
            #expect(try await replaced.get())
            #expect(try await removed.get() == 1)
            #expect(try store.makeReader().lookup(entry.key) == nil)
            #expect(store.usage.usedBytes == 0)
        }
    }

    @Test func aLongerMetaEvictsOthersToStayWithinTheBudget() async throws {
        try await withStore(try await SmallEntries.budget(capacity: 16)) { store, _ in
            let stored = (0..<16).map { SmallEntries.key("e", $0) }
            for key in stored { try await store.put(key) }
            let newest = try #require(try store.makeReader().lookup(Array(stored[15].utf8)))
            // Moves the meta record to an overflow page: about two entries' worth more.
            let longMeta = ByteBuffer(string: String(repeating: "m", count: 3000))

            #expect(try await store.replaceMeta(key: newest.key, generation: newest.generation, meta: longMeta, on: loop).get())
            #expect(store.usage.usedBytes <= store.configuration.maxSize)
            #expect(store.usage.evictedEntries == 2)
            #expect(try store.keys() == Set(stored.dropFirst(2)), "the oldest unvisited went to make room")
            #expect(try store.makeReader().lookup(newest.key)?.meta == longMeta)

            let oldest = try #require(try store.makeReader().lookup(Array(stored[2].utf8)))
            #expect(try await !store.replaceMeta(key: oldest.key, generation: oldest.generation, meta: longMeta, on: loop).get(),
                    "the room it needed was made by evicting it: no meta record without its body")
            #expect(try store.makeReader().lookup(oldest.key) == nil)
            #expect(store.usage.entryCount == (try store.keys().count))
            #expect(store.usage.usedBytes <= store.configuration.maxSize)

            let tooLong = ByteBuffer(string: String(repeating: "m", count: store.configuration.maxEntrySize))
            let evicted = store.usage.evictedEntries
            #expect(try await !store.replaceMeta(key: newest.key, generation: newest.generation, meta: tooLong, on: loop).get(),
                    "past maxEntrySize: refused without evicting anything")
            #expect(store.usage.evictedEntries == evicted)
            #expect(try store.makeReader().lookup(newest.key)?.meta == longMeta)
        }
    }

    @Test func aReplacedMetaKeepsTheEntryVisited() async throws {
        try await withStore(try await SmallEntries.budget(capacity: 9)) { store, _ in
            let stored = (0..<8).map { SmallEntries.key("e", $0) }
            for key in stored { try await store.put(key) }
            try store.hit([stored[0]])
            try await store.flush()  // the bit is written before the replacement
            let oldest = try #require(try store.makeReader().lookup(Array(stored[0].utf8)))
            // A few bytes longer: it fits in the room left, so nothing is evicted (or passed over) for it.
            #expect(try await store.replaceMeta(key: oldest.key, generation: oldest.generation, meta: ByteBuffer(string: "longer meta"), on: loop).get())
            #expect(store.usage.evictedEntries == 0)

            try await store.put(SmallEntries.key("s", 0))
            #expect(store.usage.evictedEntries == 1)
            #expect(try store.keys().contains(stored[0]), "still visited: the hand passed it over")
            #expect(try !store.keys().contains(stored[1]))
        }
    }

    /// Reader threads look the entry up while its metadata is replaced 150 times with lengths
    /// from a few bytes to several pages: each must find one whole version, never older than
    /// the last it saw, and the same body.
    @Test func concurrentReadersSeeTheOldOrTheNewMetaNeverAMix() async throws {
        try await withStore { store, _ in
            let key = Array("/revalidated".utf8)
            let body = TestBodies.bytes(key: key, version: 1, count: 2 * 4096 + 100)
            try await store.store(body, key: "/revalidated", meta: Self.meta(revision: 0))
            let entry = try #require(try store.makeReader().lookup(key))

            let tally = RevisionTally()
            let readers = ReaderThreads(count: 3, store: store) { reader, keepReading in
                var last = 0
                while keepReading() {
                    guard let found = try? reader.lookup(key), let revision = Self.revision(of: found.meta), revision >= last,
                          found.generation == entry.generation, (try? reader.body(of: found)) == body else {
                        tally.record(nil)
                        continue
                    }
                    last = revision
                    tally.record(revision)
                }
            }
            for revision in 1...150 {
                #expect(try await store.replaceMeta(key: key, generation: entry.generation, meta: Self.meta(revision: revision), on: loop).get())
            }
            await readers.stop()

            #expect(tally.mismatches == 0)
            #expect(tally.revisionsSeen.count > 1, "the readers saw the metadata change")
            #expect(try store.makeReader().lookup(key).flatMap { Self.revision(of: $0.meta) } == 150)
        }
    }

    /// `rev=N;` then a padding whose length and letter follow from N, so a torn value cannot pass.
    private static func meta(revision: Int) -> ByteBuffer {
        ByteBuffer(string: "rev=\(revision);" + padding(revision))
    }

    private static func padding(_ revision: Int) -> String {
        String(repeating: Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(revision % 26))), count: revision * 37 % 9000)
    }

    private static func revision(of meta: ByteBuffer) -> Int? {
        let text = String(buffer: meta)
        guard text.hasPrefix("rev="), let end = text.firstIndex(of: ";"),
              let revision = Int(text[text.index(text.startIndex, offsetBy: 4)..<end]),
              text[text.index(after: end)...] == padding(revision) else { return nil }
        return revision
    }

    /// `@unchecked Sendable`: `seen` and `failures` are only touched with `lock` held.
    private final class RevisionTally: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: Set<Int> = []
        private var failures = 0

        var mismatches: Int { lock.withLock { failures } }
        var revisionsSeen: Set<Int> { lock.withLock { seen } }

        /// A revision read whole, or nil for a read that was not.
        func record(_ revision: Int?) {
            lock.withLock {
                if let revision { seen.insert(revision) } else { failures += 1 }
            }
        }
    }
}
