@testable import EdgeStore
import Foundation
import NIOCore
import Testing

@Suite struct CorruptionTests {
    /// Stores one entry and closes the store, so the directory holds a real cache.
    private func populatedCache() async throws -> (TemporaryDirectory, CacheStoreConfiguration) {
        let directory = TemporaryDirectory()
        let configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        let store = try LMDBCacheStore(configuration: configuration)
        try await store.store(key: "/old", version: 1, length: 20_000)
        store.close()
        return (directory, configuration)
    }

    /// Reopens, expects an empty rebuilt cache that works, and returns why it was rebuilt.
    private func reopenExpectingRebuild(_ configuration: CacheStoreConfiguration) async throws -> String? {
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        #expect(store.startupReport.entryCount == 0)
        #expect(try store.makeReader().lookup(Array("/old".utf8)) == nil)
        try await store.store(key: "/new", version: 1, length: 9000)
        #expect(try store.makeReader().body(of: "/new") == TestBodies.bytes(key: Array("/new".utf8), version: 1, count: 9000))
        return store.startupReport.rebuildLogLine
    }

    @Test func garbageOverTheDataFileRebuildsAnEmptyCache() async throws {
        let (directory, configuration) = try await populatedCache()
        defer { directory.remove() }
        let handle = try #require(FileHandle(forWritingAtPath: directory.cachePath + "/data.mdb"))
        var generator = SystemRandomNumberGenerator()
        try handle.write(contentsOf: Data((0..<16384).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()

        #expect(try await reopenExpectingRebuild(configuration)
            == "cache at \(directory.cachePath) is unreadable (mdb_env_open: MDB_INVALID: File is not an LMDB file); starting with an empty cache")
    }

    @Test func anotherFormatMarkerRebuildsAnEmptyCache() async throws {
        let (directory, configuration) = try await populatedCache()
        defer { directory.remove() }
        try withRawEnvironment(configuration) { environment, transaction in
            try transaction.put(environment.state, StateRecords.formatKey, Array("s3edge-store/9".utf8))
        }
        #expect(try await reopenExpectingRebuild(configuration)
            == "cache at \(directory.cachePath) is unreadable (format marker \"s3edge-store/9\", expected s3edge-store version 1); starting with an empty cache")
    }

    @Test func aFileWithoutTheMarkerRebuildsAnEmptyCache() async throws {
        let (directory, configuration) = try await populatedCache()
        defer { directory.remove() }
        try withRawEnvironment(configuration) { environment, transaction in
            try transaction.delete(environment.state, StateRecords.formatKey)
        }
        #expect(try await reopenExpectingRebuild(configuration)?.contains("(no s3edge format marker)") == true)
    }

    @Test func aStartupThatDiedWhileCheckingIsNotRepeated() async throws {
        let (directory, configuration) = try await populatedCache()
        defer { directory.remove() }
        _ = FileManager.default.createFile(atPath: directory.cachePath + "/s3edge-checking", contents: nil)
        #expect(try await reopenExpectingRebuild(configuration)?.contains("(the previous start-up stopped while checking it)") == true)
    }

    @Test func anUnsyncedSessionFromAnotherBootRebuildsAndFromThisBootKeeps() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        configuration.durability = .survivesProcessCrash
        configuration.bootIDOverride = "boot-a"
        let marker = directory.cachePath + "/s3edge-unsynced-session"
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.store(key: "/old", version: 1, length: 100)
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "boot-a")
            store.close()
            #expect(!FileManager.default.fileExists(atPath: marker), "a clean close syncs and ends the session")
        }
        // A process crash in this boot leaves the marker: the page cache still has every commit.
        _ = FileManager.default.createFile(atPath: marker, contents: Data("boot-a".utf8))
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            #expect(store.startupReport.rebuiltBecause == nil)
            #expect(try store.makeReader().lookup(Array("/old".utf8)) != nil)
            store.close()
        }
        // The same marker found after a reboot: unsynced pages may never have reached the disk.
        _ = FileManager.default.createFile(atPath: marker, contents: Data("boot-a".utf8))
        configuration.bootIDOverride = "boot-b"
        #expect(try await reopenExpectingRebuild(configuration)?.contains("(the system restarted while it held unsynced writes)") == true)
    }
}
