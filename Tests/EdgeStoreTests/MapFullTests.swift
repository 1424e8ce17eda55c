@testable import EdgeStore
import NIOCore
import Testing

/// A budget far above the map: only LMDB's own `MDB_MAP_FULL` can stop the fills.
@Suite struct MapFullTests {
    private func tinyMap(_ configuration: inout CacheStoreConfiguration) {
        configuration.maxSize = 1 << 30
        configuration.maxEntrySize = 1 << 30
        configuration.mapSizeOverride = 2 << 20
        configuration.chunkSize = 64 * 1024
    }

    @Test func aFullMapEvictsAndTheFillStillCommits() async throws {
        try await withStore(tinyMap) { store, _ in
            for index in 0..<30 {
                try await store.store(key: "/k/\(index)", version: 1, length: 200_000)
            }
            let reader = store.makeReader()
            #expect(try reader.body(of: "/k/29") == TestBodies.bytes(key: Array("/k/29".utf8), version: 1, count: 200_000))
            #expect(store.usage.evictedEntries > 0)
            #expect(try reader.lookup(Array("/k/0".utf8)) == nil)
        }
    }

    @Test func aBodyLargerThanTheMapFailsAsFullAndTheStoreGoesOn() async throws {
        try await withStore(tinyMap) { store, _ in
            try await store.store(key: "/before", version: 1, length: 100_000)
            await #expect(throws: CacheStoreError.full) {
                try await store.store(key: "/huge", version: 1, length: 3 << 20)
            }
            try await store.store(key: "/after", version: 1, length: 100_000)
            let reader = store.makeReader()
            #expect(try reader.lookup(Array("/huge".utf8)) == nil)
            #expect(try reader.body(of: "/after") == TestBodies.bytes(key: Array("/after".utf8), version: 1, count: 100_000))
        }
    }
}
