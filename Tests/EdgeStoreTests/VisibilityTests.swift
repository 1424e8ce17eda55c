@testable import EdgeStore
import NIOCore
import Testing

@Suite struct VisibilityTests {
    @Test func anEntryIsInvisibleUntilItsCommit() async throws {
        try await withStore { store, _ in
            let key = Array("/pending".utf8)
            let body = TestBodies.bytes(key: key, version: 1, count: 5 * 4096 + 10)
            let fill = store.beginFill(key: key, on: TestEventLoop.shared)
            append(body, to: fill, partSize: 4096)
            try await store.flush()  // five chunks are committed to LMDB now

            let reader = store.makeReader()
            #expect(try reader.lookup(key) == nil)
            #expect(try reader.entries().isEmpty)
            #expect(store.usage.usedBytes > 5 * 4096)

            try await fill.commit(meta: ByteBuffer(string: "m")).get()
            #expect(try reader.body(of: "/pending") == body)
        }
    }

    @Test func abortLeavesNothing() async throws {
        try await withStore { store, _ in
            let fill = store.beginFill(key: Array("/aborted".utf8), on: TestEventLoop.shared)
            append(TestBodies.bytes(key: [1], version: 1, count: 20_000), to: fill, partSize: 3000)
            try await store.flush()
            fill.abort()
            try await store.flush()

            #expect(try store.makeReader().lookup(Array("/aborted".utf8)) == nil)
            #expect(store.usage == StoreUsage(usedBytes: 0, maxSize: store.configuration.maxSize, entryCount: 0, evictedEntries: 0))
            await #expect(throws: CacheStoreError.aborted) { try await fill.commit(meta: ByteBuffer()).get() }
        }
    }

    @Test func droppingAnOpenHandleAbortsIt() async throws {
        try await withStore { store, _ in
            do {
                let fill = store.beginFill(key: Array("/dropped".utf8), on: TestEventLoop.shared)
                append(TestBodies.bytes(key: [1], version: 1, count: 9000), to: fill, partSize: 9000)
            }
            try await store.flush()
            #expect(store.usage.usedBytes == 0)
        }
    }

    @Test func overwriteReplacesTheEntryAtItsCommit() async throws {
        try await withStore { store, _ in
            let key = "/object"
            let old = TestBodies.bytes(key: [1], version: 1, count: 3 * 4096)
            let new = TestBodies.bytes(key: [1], version: 2, count: 4096 + 1)
            try await store.store(old, key: key, meta: ByteBuffer(string: "old"))
            let reader = store.makeReader()
            let oldEntry = try #require(try reader.lookup(Array(key.utf8)))

            let fill = store.beginFill(key: Array(key.utf8), on: TestEventLoop.shared)
            append(new, to: fill, partSize: 4096)
            try await store.flush()
            #expect(try reader.body(of: key) == old, "the old entry stays whole until the new one commits")

            try await fill.commit(meta: ByteBuffer(string: "new")).get()
            let newEntry = try #require(try reader.lookup(Array(key.utf8)))
            #expect(String(buffer: newEntry.meta) == "new")
            #expect(try reader.body(of: newEntry) == new)
            var buffer = ByteBuffer()
            #expect(try !reader.readChunk(of: oldEntry, index: 0, into: &buffer), "a stale entry never reads the new body")
            #expect(buffer.readableBytes == 0)
            #expect(store.usage.entryCount == 1)
        }
    }
}
