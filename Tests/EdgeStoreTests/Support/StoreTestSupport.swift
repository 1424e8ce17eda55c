@testable import EdgeStore
import NIOCore

extension CacheStoreConfiguration {
    /// Small chunks so that modest bodies span many; commits at once so tests wait for nothing.
    static func forTests(path: String, maxSize: Int = 64 << 20, chunkSize: Int = 4096) -> CacheStoreConfiguration {
        var configuration = CacheStoreConfiguration(path: path, maxSize: maxSize)
        configuration.chunkSize = chunkSize
        configuration.commitWindow = .zero
        return configuration
    }
}

extension LMDBCacheStore {
    /// Stores `body` under `key`, appended in parts of `partSize` bytes, and waits for the commit.
    func store(_ body: [UInt8], key: String, meta: ByteBuffer = ByteBuffer(string: "meta"), partSize: Int = 1000) async throws {
        let fill = beginFill(key: Array(key.utf8), on: TestEventLoop.shared)
        append(body, to: fill, partSize: partSize)
        try await fill.commit(meta: meta).get()
    }

    /// Stores the deterministic body of `key` at `version`.
    func store(key: String, version: UInt64, length: Int) async throws {
        let bytes = TestBodies.bytes(key: Array(key.utf8), version: version, count: length)
        try await store(bytes, key: key, meta: TestBodies.meta(version: version))
    }

    func flush() async throws {
        try await flush(on: TestEventLoop.shared).get()
    }
}

func append(_ body: [UInt8], to fill: FillHandle, partSize: Int) {
    var offset = 0
    while offset < body.count {
        let end = min(offset + partSize, body.count)
        fill.append(ByteBuffer(bytes: body[offset..<end]))
        offset = end
    }
}

extension StoreReader {
    /// The whole body of `key`'s entry, or nil if there is none or a chunk went missing.
    func body(of key: String) throws -> [UInt8]? {
        guard let entry = try lookup(Array(key.utf8)) else { return nil }
        return try body(of: entry)
    }

    func body(of entry: StoredEntry) throws -> [UInt8]? {
        var buffer = ByteBuffer()
        for index in 0..<entry.chunkCount {
            guard try readChunk(of: entry, index: index, into: &buffer) else { return nil }
        }
        return Array(buffer.readableBytesView)
    }
}

/// Opens a store in a fresh directory, runs `body`, closes the store and removes the directory.
func withStore<T>(_ configure: (inout CacheStoreConfiguration) -> Void = { _ in },
                  policy: any EvictionPolicy = OldestStoredFirst(),
                  _ body: (LMDBCacheStore, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
    configure(&configuration)
    let store = try LMDBCacheStore(configuration: configuration, evictionPolicy: policy)
    defer { store.close() }
    return try await body(store, directory)
}
