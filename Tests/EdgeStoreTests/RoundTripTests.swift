@testable import EdgeStore
import NIOCore
import Testing

@Suite struct RoundTripTests {
    @Test(arguments: [0, 1, 100, 4095, 4096, 4097, 3 * 4096, 50_000])
    func bodyComesBackByteExact(length: Int) async throws {
        try await withStore { store, _ in
            let body = TestBodies.bytes(key: [1], version: 7, count: length)
            try await store.store(body, key: "/bucket/object", meta: ByteBuffer(string: "HTTP/1.1 200 OK\r\n"), partSize: 777)

            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("/bucket/object".utf8)))
            #expect(entry.bodyLength == length)
            #expect(entry.chunkCount == (length + 4095) / 4096)
            #expect(String(buffer: entry.meta) == "HTTP/1.1 200 OK\r\n")
            #expect(try reader.body(of: entry) == body)
            #expect(try reader.verifyBody(of: entry))
        }
    }

    @Test func aChunkReadAppendsToWhatTheBufferHolds() async throws {
        try await withStore { store, _ in
            let body = TestBodies.bytes(key: [2], version: 1, count: 10_000)
            try await store.store(body, key: "k")
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("k".utf8)))
            var buffer = ByteBuffer(string: "head:")
            #expect(try reader.readChunk(of: entry, index: 2, into: &buffer))
            #expect(Array(buffer.readableBytesView) == Array("head:".utf8) + body[8192...])
            #expect(entry.chunkLength(2) == 10_000 - 8192)
            #expect(entry.chunkIndex(containing: 8192) == 2)
        }
    }

    @Test func aSliceOfAChunkIsJustThoseBytes() async throws {
        try await withStore { store, _ in
            let body = TestBodies.bytes(key: [3], version: 1, count: 10_000)
            try await store.store(body, key: "s")
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("s".utf8)))
            var buffer = ByteBuffer()
            #expect(try reader.readChunk(of: entry, index: 1, bytes: 100..<300, into: &buffer))
            #expect(Array(buffer.readableBytesView) == Array(body[4196..<4396]))
            #expect(try reader.readChunk(of: entry, index: 2, bytes: 1800..<1808, into: &buffer))
            #expect(Array(buffer.readableBytesView.suffix(8)) == Array(body[9992...]))
        }
    }

    @Test func checksumIsCRC32COfTheBody() async throws {
        try await withStore { store, _ in
            try await store.store(Array("123456789".utf8), key: "check")
            let entry = try #require(try store.makeReader().lookup(Array("check".utf8)))
            #expect(entry.checksum == 0xE306_9283)
        }
    }

    @Test func keysOutsideTheLimitsAreRefusedAtCommit() async throws {
        try await withStore { store, _ in
            for key in [[UInt8](), [UInt8](repeating: 65, count: CacheStoreConfiguration.maxKeyLength + 1)] {
                let fill = store.beginFill(key: key, on: TestEventLoop.shared)
                fill.append(ByteBuffer(string: "body"))
                await #expect(throws: CacheStoreError.unusableKey(length: key.count)) {
                    try await fill.commit(meta: ByteBuffer()).get()
                }
            }
            let longest = [UInt8](repeating: 66, count: CacheStoreConfiguration.maxKeyLength)
            let fill = store.beginFill(key: longest, on: TestEventLoop.shared)
            fill.append(ByteBuffer(string: "body"))
            try await fill.commit(meta: ByteBuffer()).get()
            #expect(try store.makeReader().lookup(longest)?.bodyLength == 4)
        }
    }

    @Test func usageCountsEntriesAndTheirPages() async throws {
        try await withStore { store, _ in
            try await store.store(TestBodies.bytes(key: [3], version: 1, count: 8192), key: "a")
            let usage = store.usage
            #expect(usage.entryCount == 1)
            // Two full 4 KiB chunks go to overflow pages: 2 pages each with their 16-byte header.
            #expect(usage.usedBytes >= 2 * 8192)
            #expect(usage.usedBytes < 2 * 8192 + 1024)
        }
    }
}
