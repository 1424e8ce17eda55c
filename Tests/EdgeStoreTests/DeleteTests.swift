@testable import EdgeStore
import NIOCore
import Testing

@Suite struct DeleteTests {
    @Test func deleteRemovesTheEntryAndItsSpace() async throws {
        try await withStore { store, _ in
            try await store.store(key: "/a", version: 1, length: 9000)
            try await store.store(key: "/b", version: 1, length: 100)
            let usedWithBoth = store.usage.usedBytes

            #expect(try await store.delete(key: Array("/a".utf8), on: TestEventLoop.shared).get())
            #expect(try await !store.delete(key: Array("/a".utf8), on: TestEventLoop.shared).get())
            let reader = store.makeReader()
            #expect(try reader.lookup(Array("/a".utf8)) == nil)
            #expect(try reader.lookup(Array("/b".utf8)) != nil)
            #expect(store.usage.usedBytes < usedWithBoth / 2)
            #expect(store.usage.entryCount == 1)
        }
    }

    @Test func deleteMatchingRemovesExactlyThePrefix() async throws {
        try await withStore { store, _ in
            for key in ["/img/a", "/img/b/c", "/img", "/imgs", "/other"] {
                try await store.store(key: key, version: 1, length: 5000)
            }
            let removed = try await store.deleteMatching(prefix: Array("/img/".utf8), on: TestEventLoop.shared).get()
            #expect(removed == 2)
            let keys = try store.makeReader().entries().map { String(decoding: $0.key, as: UTF8.self) }
            #expect(keys == ["/img", "/imgs", "/other"])

            #expect(try await store.deleteMatching(prefix: [], on: TestEventLoop.shared).get() == 3)
            #expect(store.usage.usedBytes == 0)
        }
    }

    @Test func aFillBegunBeforeADeleteOfItsKeyCannotCommit() async throws {
        try await withStore { store, _ in
            let early = store.beginFill(key: Array("/img/late".utf8), on: TestEventLoop.shared)
            early.append(ByteBuffer(string: "possibly stale"))
            _ = try await store.deleteMatching(prefix: Array("/img/".utf8), on: TestEventLoop.shared).get()
            let fresh = store.beginFill(key: Array("/img/late".utf8), on: TestEventLoop.shared)
            fresh.append(ByteBuffer(string: "fresh"))

            await #expect(throws: CacheStoreError.invalidated) { try await early.commit(meta: ByteBuffer()).get() }
            try await fresh.commit(meta: ByteBuffer()).get()
            #expect(try store.makeReader().body(of: "/img/late") == Array("fresh".utf8))
        }
    }

    @Test func operationsAfterCloseFail() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try LMDBCacheStore(configuration: .forTests(path: directory.cachePath))
        let fill = store.beginFill(key: Array("/k".utf8), on: TestEventLoop.shared)
        fill.append(ByteBuffer(string: "x"))
        store.close()
        await #expect(throws: CacheStoreError.closed) { try await fill.commit(meta: ByteBuffer()).get() }
        await #expect(throws: CacheStoreError.closed) { try await store.delete(key: [1], on: TestEventLoop.shared).get() }
    }
}
