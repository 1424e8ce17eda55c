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
                  policy: any EvictionPolicy = SIEVE(),
                  _ body: (LMDBCacheStore, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
    configure(&configuration)
    let store = try LMDBCacheStore(configuration: configuration, evictionPolicy: policy)
    defer { store.close() }
    return try await body(store, directory)
}

/// Stores of a few same-sized entries whose budget holds exactly `capacity` of them, so that
/// each fill beyond that evicts exactly one and a test can name the victims.
enum SmallEntries {
    static let bodyLength = 1000

    /// Six-byte keys: `/e/007`, `/s/012`, …, all charged the same.
    static func key(_ prefix: Character, _ index: Int) -> String {
        let digits = String(index)
        return "/\(prefix)/" + String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// Sets `maxSize` to `capacity` entries (and `maxEntrySize` to a quarter of it, as by default).
    static func budget(capacity: Int) async throws -> (inout CacheStoreConfiguration) -> Void {
        let maxSize = capacity * (try await chargeOfOne())
        return { configuration in
            configuration.maxSize = maxSize
            configuration.maxEntrySize = maxSize / 4
        }
    }

    /// What one entry charges, measured on a scratch store.
    static func chargeOfOne(meta: ByteBuffer = ByteBuffer(string: "meta")) async throws -> Int {
        try await withStore { store, _ in
            try await store.put(key("e", 0), meta: meta)
            return store.usage.usedBytes
        }
    }
}

extension LMDBCacheStore {
    /// Stores a ``SmallEntries`` body under `key`.
    func put(_ key: String, meta: ByteBuffer = ByteBuffer(string: "meta")) async throws {
        try await store(TestBodies.bytes(key: Array(key.utf8), version: 1, count: SmallEntries.bodyLength), key: key, meta: meta)
    }

    /// Looks each key up and reports a hit for those stored, as the cache layer does when it
    /// serves one.
    func hit(_ keys: [String]) throws {
        let reader = makeReader()
        for key in keys {
            if let entry = try reader.lookup(Array(key.utf8)) { recordHit(entry) }
        }
    }

    /// The keys stored now.
    func keys() throws -> Set<String> {
        Set(try makeReader().entries().map { String(decoding: $0.key, as: UTF8.self) })
    }
}
