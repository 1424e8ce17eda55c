@testable import EdgeStore
import EdgeTLS
import Foundation
import NIOCore
import Testing

/// The store encrypted at rest (``SealedLayout``): what reaches the file, and what happens to
/// records that were altered, moved or replayed there.
@Suite struct SealedStoreTests {
    static func keyring(_ key: SecretBytes = .random(count: 32)) -> StoreKeyring {
        let keyring = StoreKeyring()
        keyring.install(key, makeCurrent: true)
        return keyring
    }

    private func sealed(_ keyring: StoreKeyring, chunkSize: Int = 4096) -> (inout CacheStoreConfiguration) -> Void {
        { configuration in
            configuration.keyring = keyring
            configuration.chunkSize = chunkSize
        }
    }

    /// Bytes no test body could contain by chance: a marker then counting bytes.
    private static func recognisable(_ count: Int, marker: String = "PLAINTEXT-MARKER-") -> [UInt8] {
        var bytes = Array(marker.utf8)
        while bytes.count < count { bytes.append(UInt8(truncatingIfNeeded: bytes.count * 7)) }
        return Array(bytes.prefix(count))
    }

    private static func dataFile(_ directory: TemporaryDirectory) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory.cachePath + "/data.mdb"))
    }

    @Test(arguments: [1, 100, 4095, 4096, 4097, 50_000])
    func bodiesComeBackByteExactAndNoPlaintextReachesTheFile(length: Int) async throws {
        let keyring = Self.keyring()
        try await withStore(sealed(keyring)) { store, directory in
            let body = Self.recognisable(length)
            try await store.store(body, key: "/private/invoice.pdf", meta: ByteBuffer(string: "x-amz-meta-owner: SECRET-OWNER"), partSize: 777)
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("/private/invoice.pdf".utf8)))
            #expect(entry.keyID == keyring.currentID)
            #expect(entry.checksum == 0)
            #expect(String(buffer: entry.meta) == "x-amz-meta-owner: SECRET-OWNER")
            #expect(try reader.body(of: entry) == body)
            #expect(try reader.verifyBody(of: entry))
            try await store.flush()
            let file = try Self.dataFile(directory)
            #expect(file.range(of: Data("PLAINTEXT-MARKER".utf8)) == nil)
            #expect(file.range(of: Data("SECRET-OWNER".utf8)) == nil)
            if length >= 64 {
                #expect(file.range(of: Data(body[17..<64])) == nil)
            }
        }
    }

    @Test func slicesAcrossSegmentsOfALargeChunkComeBackExact() async throws {
        let keyring = Self.keyring()
        try await withStore(sealed(keyring, chunkSize: 256 * 1024)) { store, _ in
            let body = TestBodies.bytes(key: [9], version: 1, count: 600_000)
            try await store.store(body, key: "/big", partSize: 10_000)
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("/big".utf8)))
            #expect(entry.chunkCount == 3)
            #expect(try reader.checkFirstSegment(of: entry))
            for (chunk, range) in [(0, 0..<65_536), (0, 100..<200_000), (1, 65_000..<70_000), (1, 0..<262_144), (2, 70_000..<(600_000 - 524_288))] {
                var buffer = ByteBuffer()
                #expect(try reader.readChunk(of: entry, index: chunk, bytes: range, into: &buffer))
                let start = chunk * 262_144
                #expect(Array(buffer.readableBytesView) == Array(body[(start + range.lowerBound)..<(start + range.upperBound)]))
            }
            #expect(try reader.body(of: entry) == body)
        }
    }

    @Test func theStoreIsMarkedSealedAndRecordsAreLongerByTheirSeals() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        configuration.keyring = Self.keyring()
        let generation: UInt64
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(Array(repeating: 7, count: 5000), key: "/k", meta: ByteBuffer(string: "m"))
            generation = try #require(try store.makeReader().lookup(Array("/k".utf8))).generation
            store.close()
        }
        do {
            try withRawEnvironment(configuration) { environment, transaction in
                #expect(try transaction.view.get(environment.state, StateRecords.sealingKey).map(Array.init) == StateRecords.sealingValue)
                let first = try #require(try transaction.view.get(environment.body, BodyKey.make(key: Array("/k".utf8), generation: generation, index: 0)))
                #expect(first.count == 4096 + 28)
                let meta = try #require(try transaction.view.get(environment.meta, Array("/k".utf8)))
                #expect(meta.count == EntryHeader.sealedLength + 1 + 28)
            }
        }
    }

    // MARK: Tampering

    /// Stores `entries` (key → body) sealed, closes the store, lets `change` edit the raw file,
    /// reopens with the same key and returns the reopened store.
    private func tampered(_ entries: [(String, [UInt8])], chunkSize: Int = 4096,
                          _ change: (LMDBEnvironment, LMDBWriteTransaction, [String: StoredEntry]) throws -> Void,
                          check: (LMDBCacheStore) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let keyring = Self.keyring()
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath, chunkSize: chunkSize)
        configuration.keyring = keyring
        var found: [String: StoredEntry] = [:]
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            for (key, body) in entries { try await store.store(body, key: key) }
            for (key, _) in entries { found[key] = try store.makeReader().lookup(Array(key.utf8)) }
            store.close()
        }
        try withRawEnvironment(configuration) { environment, transaction in try change(environment, transaction, found) }
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        try await check(store)
    }

    private func rewrite(_ transaction: LMDBWriteTransaction, _ database: UInt32, _ key: [UInt8],
                         _ edit: (inout [UInt8]) -> Void) throws {
        var value = try #require(try transaction.view.get(database, key).map(Array.init))
        edit(&value)
        try transaction.put(database, key, value)
    }

    private func expectNotAuthentic(_ body: () throws -> Any?) {
        #expect(performing: { _ = try body() }, throws: { error in
            guard let error = error as? StoreReadError, case .notAuthentic = error.problem else { return false }
            return true
        })
    }

    @Test func aFlippedByteInAChunkIsNeverServed() async throws {
        let body = TestBodies.bytes(key: [1], version: 1, count: 10_000)
        try await tampered([("/a", body)], { environment, transaction, entries in
            let entry = entries["/a"]!
            try rewrite(transaction, environment.body, BodyKey.make(key: entry.key, generation: entry.generation, index: 1)) {
                $0[40] ^= 0x01
            }
        }) { store in
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("/a".utf8)))
            #expect(try reader.checkFirstSegment(of: entry))
            var buffer = ByteBuffer()
            #expect(try reader.readChunk(of: entry, index: 0, into: &buffer))
            expectNotAuthentic { try reader.readChunk(of: entry, index: 1, into: &buffer) }
            #expect(buffer.readableBytes == 4096)
            #expect(try !reader.verifyBody(of: entry))
        }
    }

    @Test func aFlippedByteInTheFirstSegmentFailsTheCheckBeforeAResponse() async throws {
        try await tampered([("/a", TestBodies.bytes(key: [1], version: 1, count: 3000))], { environment, transaction, entries in
            let entry = entries["/a"]!
            try rewrite(transaction, environment.body, BodyKey.make(key: entry.key, generation: entry.generation, index: 0)) {
                $0[$0.count - 1] ^= 0x80  // the tag
            }
        }) { store in
            let reader = store.makeReader()
            let entry = try #require(try reader.lookup(Array("/a".utf8)))
            expectNotAuthentic { try reader.checkFirstSegment(of: entry) }
        }
    }

    @Test func chunksSwappedWithinAnEntryOrBetweenEntriesFail() async throws {
        let a = TestBodies.bytes(key: [1], version: 1, count: 8192)
        let b = TestBodies.bytes(key: [2], version: 1, count: 8192)
        try await tampered([("/a", a), ("/b", b)], { environment, transaction, entries in
            let ea = entries["/a"]!, eb = entries["/b"]!
            let a0 = BodyKey.make(key: ea.key, generation: ea.generation, index: 0)
            let a1 = BodyKey.make(key: ea.key, generation: ea.generation, index: 1)
            let b0 = BodyKey.make(key: eb.key, generation: eb.generation, index: 0)
            let va0 = try #require(try transaction.view.get(environment.body, a0).map(Array.init))
            let va1 = try #require(try transaction.view.get(environment.body, a1).map(Array.init))
            let vb0 = try #require(try transaction.view.get(environment.body, b0).map(Array.init))
            try transaction.put(environment.body, a0, va1)   // /a: chunks 0 and 1 swapped
            try transaction.put(environment.body, a1, va0)
            try transaction.put(environment.body, b0, va0)   // /b: chunk 0 is /a's chunk 0
            _ = vb0
        }) { store in
            let reader = store.makeReader()
            for key in ["/a", "/b"] {
                let entry = try #require(try reader.lookup(Array(key.utf8)))
                expectNotAuthentic { try reader.checkFirstSegment(of: entry) }
                var buffer = ByteBuffer()
                expectNotAuthentic { try reader.readChunk(of: entry, index: 0, into: &buffer) }
            }
        }
    }

    @Test func aChunkReplayedFromAnOlderFillOfTheSameKeyFails() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        configuration.keyring = Self.keyring()
        var oldChunk = ByteBuffer()
        let oldValue: [UInt8], new: StoredEntry
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(TestBodies.bytes(key: [1], version: 1, count: 4096), key: "/v")
            let old = try #require(try store.makeReader().lookup(Array("/v".utf8)))
            // Keep the old fill's stored bytes before the new fill replaces them.
            oldValue = try #require(try store.makeReader().rawBodyValue(BodyKey.make(key: old.key, generation: old.generation, index: 0)))
            try await store.store(TestBodies.bytes(key: [1], version: 2, count: 4096), key: "/v")
            new = try #require(try store.makeReader().lookup(Array("/v".utf8)))
            store.close()
        }
        try withRawEnvironment(configuration) { environment, transaction in
            try transaction.put(environment.body, BodyKey.make(key: new.key, generation: new.generation, index: 0), oldValue)
        }
        let reopened = try LMDBCacheStore(configuration: configuration)
        defer { reopened.close() }
        let reader = reopened.makeReader()
        let entry = try #require(try reader.lookup(Array("/v".utf8)))
        expectNotAuthentic { try reader.readChunk(of: entry, index: 0, into: &oldChunk) }
    }

    @Test func alteredMetadataOrHeaderFailsTheLookup() async throws {
        try await tampered([("/m", TestBodies.bytes(key: [1], version: 1, count: 100)), ("/n", TestBodies.bytes(key: [2], version: 1, count: 100))],
                           { environment, transaction, _ in
            try rewrite(transaction, environment.meta, Array("/m".utf8)) { $0[$0.count - 20] ^= 0x04 }
            // The header in clear is authenticated too: claim another checksum.
            try rewrite(transaction, environment.meta, Array("/n".utf8)) { $0[21] ^= 0x01 }
        }) { store in
            let reader = store.makeReader()
            expectNotAuthentic { try reader.lookup(Array("/m".utf8)) }
            expectNotAuthentic { try reader.lookup(Array("/n".utf8)) }
        }
    }

    @Test func aLookupReusesAnEntryOnlyWhileItsSealedRecordIsUnchanged() async throws {
        let bodies = [("/same", TestBodies.bytes(key: [1], version: 1, count: 100)),
                      ("/altered", TestBodies.bytes(key: [2], version: 1, count: 100)),
                      ("/other", TestBodies.bytes(key: [3], version: 1, count: 100))]
        var before: [String: StoredEntry] = [:]
        try await tampered(bodies, { environment, transaction, entries in
            before = entries
            try rewrite(transaction, environment.meta, Array("/altered".utf8)) { $0[$0.count - 5] ^= 0x10 }
        }) { store in
            let reader = store.makeReader()
            // Byte for byte the record the earlier entry came from: that entry, as it was.
            let same = try #require(try reader.lookup(Array("/same".utf8), reusing: before["/same"]))
            #expect(same == before["/same"])
            // Altered on disk since: opened again, and refused, though a candidate was offered.
            expectNotAuthentic { try reader.lookup(Array("/altered".utf8), reusing: before["/altered"]) }
            // A candidate of another key is never taken for this one.
            let other = try #require(try reader.lookup(Array("/other".utf8), reusing: before["/same"]))
            #expect(other.key == Array("/other".utf8) && other.generation == before["/other"]!.generation)
            #expect(other.meta == before["/other"]!.meta)
        }
    }

    @Test func aLookupOfARefilledKeyDoesNotReuseTheOldEntry() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        configuration.keyring = Self.keyring()
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        let reader = store.makeReader()
        try await store.store(TestBodies.bytes(key: [1], version: 1, count: 500), key: "/r", meta: ByteBuffer(string: "first"))
        let old = try #require(try reader.lookup(Array("/r".utf8)))
        try await store.store(TestBodies.bytes(key: [1], version: 2, count: 500), key: "/r", meta: ByteBuffer(string: "second"))
        let new = try #require(try reader.lookup(Array("/r".utf8), reusing: old))
        #expect(new.generation != old.generation)
        #expect(new.meta == ByteBuffer(string: "second"))
    }

    @Test func aMetaRecordCopiedToAnotherKeyIsNeverServed() async throws {
        try await tampered([("/x", TestBodies.bytes(key: [1], version: 1, count: 100)), ("/y", TestBodies.bytes(key: [2], version: 1, count: 100))],
                           { environment, transaction, _ in
            let x = try #require(try transaction.view.get(environment.meta, Array("/x".utf8)).map(Array.init))
            try transaction.put(environment.meta, Array("/y".utf8), x)
        }) { store in
            // Start-up drops it already (its header names /x's generation, whose chunks are not
            // under /y); the seal binds the cache key as well.
            #expect(store.startupReport.droppedEntries == 1)
            let found = try store.makeReader().lookup(Array("/y".utf8))
            #expect(found == nil)
        }
    }

    @Test func aMetaSealOpensOnlyUnderItsCacheKey() throws {
        let keyring = Self.keyring()
        let cipher = StoreCipher(keyring: keyring)
        let keyID = try #require(keyring.currentID)
        let header = EntryHeader(chunkSize: 4096, bodyLength: 0, chunkCount: 0, checksum: 0, generation: 3, chargedBytes: 1, keyID: keyID)
        let meta = ByteBuffer(string: "secret metadata")
        var value = [UInt8](repeating: 0, count: EntryHeader.sealedLength + SealedLayout.storedMetaLength(meta.readableBytes))
        value.withUnsafeMutableBytes { raw in
            header.write(into: raw)
            cipher.sealMeta(meta, key: Array("/x".utf8), keyID: keyID, headerLength: header.length, into: raw)
        }
        var opened = ByteBuffer()
        #expect(value.withUnsafeBytes { cipher.openMeta($0, key: Array("/x".utf8), keyID: keyID, headerLength: header.length, into: &opened) })
        #expect(opened == meta)
        var other = ByteBuffer()
        #expect(!value.withUnsafeBytes { cipher.openMeta($0, key: Array("/y".utf8), keyID: keyID, headerLength: header.length, into: &other) })
        #expect(other.readableBytes == 0)
    }

    // MARK: Keys

    @Test func anotherKeyCannotReadTheEntriesAndSaysWhich() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        let first = Self.keyring()
        configuration.keyring = first
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(TestBodies.bytes(key: [1], version: 1, count: 500), key: "/old")
            store.close()
        }
        configuration.keyring = Self.keyring()
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        #expect(store.startupReport.entriesByKey == [first.currentID!: 1])
        #expect(performing: { try store.makeReader().lookup(Array("/old".utf8)) }, throws: { error in
            (error as? StoreReadError)?.problem == .unknownKey(first.currentID!)
        })
    }

    @Test func aRotatedKeySealsNewEntriesWhileOldOnesStayReadable() async throws {
        let keyring = Self.keyring()
        try await withStore(sealed(keyring)) { store, _ in
            let firstID = try #require(keyring.currentID)
            try await store.store(TestBodies.bytes(key: [1], version: 1, count: 5000), key: "/before")
            let secondID = keyring.install(.random(count: 32), makeCurrent: true)
            #expect(secondID != firstID)
            try await store.store(TestBodies.bytes(key: [2], version: 1, count: 5000), key: "/after")
            let reader = store.makeReader()
            #expect(try reader.lookup(Array("/before".utf8))?.keyID == firstID)
            #expect(try reader.lookup(Array("/after".utf8))?.keyID == secondID)
            #expect(try reader.body(of: "/before") == TestBodies.bytes(key: [1], version: 1, count: 5000))
            #expect(try reader.body(of: "/after") == TestBodies.bytes(key: [2], version: 1, count: 5000))
        }
    }

    @Test func nothingIsStoredBeforeTheKeyringHasAKey() async throws {
        try await withStore({ $0.keyring = StoreKeyring() }) { store, _ in
            await #expect(throws: CacheStoreError.keyUnavailable) {
                try await store.store(Array(repeating: 1, count: 100), key: "/early")
            }
        }
    }

    @Test func wipingTheKeyringZeroesTheKeysAndTurnsItOff() {
        let key = SecretBytes.random(count: 32)
        let keyring = Self.keyring(key)
        #expect(keyring.isReady)
        keyring.wipe()
        #expect(!keyring.isReady)
        #expect(keyring.ids.isEmpty)
        #expect(key.withUnsafeBytes { $0.allSatisfy { $0 == 0 } })
    }

    @Test func keyIDsAreStableAndNeverZero() {
        let key = SecretBytes.random(count: 32)
        #expect(StoreKeyring.identifier(of: key) == StoreKeyring.identifier(of: key))
        #expect(StoreKeyring.identifier(of: key) != 0)
        #expect(StoreKeyring.identifier(of: key) != StoreKeyring.identifier(of: .random(count: 32)))
    }

    // MARK: Switching

    @Test func turningEncryptionOnReplacesAClearCacheAndBackAgain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(Self.recognisable(3000), key: "/clear")
            store.close()
        }
        #expect(try Self.dataFile(directory).range(of: Data("PLAINTEXT-MARKER".utf8)) != nil)
        configuration.keyring = Self.keyring()
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            #expect(store.startupReport.rebuiltBecause?.contains("cache.encryption is now on") == true)
            #expect(store.startupReport.entryCount == 0)
            store.close()
        }
        #expect(try Self.dataFile(directory).range(of: Data("PLAINTEXT-MARKER".utf8)) == nil)
        configuration.keyring = nil
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        #expect(store.startupReport.rebuiltBecause?.contains("cache.encryption is now off") == true)
    }

    // MARK: Writer paths

    @Test func replaceMetaAndSweepWorkOnSealedEntries() async throws {
        let keyring = Self.keyring()
        try await withStore(sealed(keyring)) { store, directory in
            try await store.store(TestBodies.bytes(key: [1], version: 1, count: 2000), key: "/r", meta: ByteBuffer(string: "v1"))
            try await store.store(TestBodies.bytes(key: [2], version: 1, count: 2000), key: "/s", meta: ByteBuffer(string: "drop-me"))
            let entry = try #require(try store.makeReader().lookup(Array("/r".utf8)))
            #expect(try await store.replaceMeta(key: entry.key, generation: entry.generation,
                                                meta: ByteBuffer(string: "v2-REFRESHED-SECRET"), on: TestEventLoop.shared).get())
            let refreshed = try #require(try store.makeReader().lookup(Array("/r".utf8)))
            #expect(String(buffer: refreshed.meta) == "v2-REFRESHED-SECRET")
            #expect(try store.makeReader().body(of: refreshed) == TestBodies.bytes(key: [1], version: 1, count: 2000))
            let deleted = try await store.sweep(matches: { _, meta in meta.map { String(buffer: $0) == "drop-me" } ?? false },
                                                on: TestEventLoop.shared).get()
            #expect(deleted == 1)
            #expect(try store.makeReader().lookup(Array("/s".utf8)) == nil)
            try await store.flush()
            #expect(try Self.dataFile(directory).range(of: Data("REFRESHED-SECRET".utf8)) == nil)
        }
    }
}
