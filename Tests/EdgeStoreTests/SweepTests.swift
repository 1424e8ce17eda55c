@testable import EdgeStore
import Foundation
import NIOCore
import Testing

@Suite struct SweepTests {
    private let loop = TestEventLoop.shared

    /// `/k/0000` … `/k/2999`: same length, so every entry is charged the same.
    private static func key(_ index: Int) -> String {
        let digits = String(index)
        return "/k/" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// The version a test stores index `index` at: 1 to 4, in turn.
    private static func version(_ index: Int) -> UInt64 {
        UInt64(index % 4 + 1)
    }

    @Test func aSweepDeletesExactlyTheMatchingEntriesInBatchesWhileOtherWritesGoOn() async throws {
        try await withStore { store, _ in
            let count = 3000
            try await store.storeAll((0..<count).map { (Self.key($0), Self.version($0)) })
            let before = store.usage
            #expect(before.entryCount == count)

            // Version 1 (every fourth entry) or anything under /k/1.
            let log = SweepLog()
            let sweep = store.sweep(batchSize: 256, matches: { key, meta in
                let name = String(decoding: key, as: UTF8.self)
                log.examined(name, meta: meta)
                return meta.map { String(buffer: $0) } == "version=1" || name.hasPrefix("/k/1")
            }, on: loop)
            let flush = store.flush(on: loop)
            sweep.whenComplete { _ in log.completed("sweep") }
            flush.whenComplete { _ in log.completed("flush") }
            let deleted = try await sweep.get()
            try await flush.get()

            let expectedGone = Set((0..<count).filter { $0 % 4 == 0 || (1000..<2000).contains($0) }.map(Self.key))
            #expect(deleted == expectedGone.count)
            #expect(log.entriesExamined.count == count && Set(log.entriesExamined).count == count, "each entry once")
            #expect(log.completions == ["flush", "sweep"], "a flush posted after the sweep commits between its batches")
            #expect(store.usage.entryCount == count - expectedGone.count)
            #expect(store.usage.usedBytes * count == before.usedBytes * (count - expectedGone.count))
            #expect(try store.keys() == Set((0..<count).map(Self.key)).subtracting(expectedGone))

            let reader = store.makeReader()
            for index in [0, 1, 999, 1000, 1999, 2000, 2001, 2999] {
                let key = Self.key(index)
                let body = try reader.body(of: key)
                if expectedGone.contains(key) {
                    #expect(body == nil, "\(key) was swept")
                } else {
                    #expect(body == TestBodies.bytes(key: Array(key.utf8), version: Self.version(index), count: 300))
                }
            }
        }
    }

    @Test func fillsInProgressThatMatchCannotCommitOthersAndLaterOnesCan() async throws {
        try await withStore { store, _ in
            try await store.storeAll([("/img/a", 1), ("/img/b", 1), ("/css/old", 1)])
            let early = store.beginFill(key: Array("/img/late".utf8), on: loop)
            early.append(ByteBuffer(string: "possibly stale"))
            let unrelated = store.beginFill(key: Array("/css/site".utf8), on: loop)
            unrelated.append(ByteBuffer(string: "body {}"))

            let log = SweepLog()
            let sweep = store.sweep(matches: { key, meta in
                let name = String(decoding: key, as: UTF8.self)
                if meta == nil { log.askedAboutFill(name) }
                return name.hasPrefix("/img/")
            }, on: loop)
            let later = store.beginFill(key: Array("/img/late".utf8), on: loop)
            later.append(ByteBuffer(string: "fresh"))

            #expect(try await sweep.get() == 2)
            await #expect(throws: CacheStoreError.invalidated) { try await early.commit(meta: ByteBuffer()).get() }
            try await unrelated.commit(meta: ByteBuffer()).get()
            try await later.commit(meta: ByteBuffer()).get()
            #expect(log.fills.sorted() == ["/css/site", "/img/late"], "asked once per fill begun before the sweep")
            #expect(try store.keys() == ["/css/old", "/css/site", "/img/late"])
            #expect(try store.makeReader().body(of: "/img/late") == Array("fresh".utf8))
        }
    }

    @Test func closingDuringASweepEndsItCleanlyAndKeepsTheStoreConsistent() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = CacheStoreConfiguration.forTests(path: directory.cachePath)
        let count = 2000
        let outcome: Result<Int, CacheStoreError>
        let left: StoreUsage
        do {
            let store = try LMDBCacheStore(configuration: configuration)
            try await store.storeAll((0..<count).map { (Self.key($0), Self.version($0)) })
            let sweep = store.sweep(batchSize: 10, matches: { _, _ in true }, on: loop)
            store.close()
            do {
                outcome = .success(try await sweep.get())
            } catch let error as CacheStoreError {
                outcome = .failure(error)
            }
            left = store.usage
            await #expect(throws: CacheStoreError.closed) {
                try await store.sweep(matches: { _, _ in true }, on: loop).get()
            }
        }
        switch outcome {
        case .success(let deleted): #expect(deleted == count && left.entryCount == 0)
        case .failure(let error): #expect(error == .closed && (0...count - 10).contains(left.entryCount))
        }

        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        #expect(store.startupReport.rebuiltBecause == nil)
        #expect(store.startupReport.droppedEntries == 0 && store.startupReport.orphanChunksRemoved == 0)
        #expect(store.usage.entryCount == left.entryCount && store.usage.usedBytes == left.usedBytes)
        let reader = store.makeReader()
        for entry in try reader.entries() {
            #expect(try reader.verifyBody(of: entry))
        }
    }
}

/// What a sweep's predicate saw, from the writer thread, and in which order futures completed.
/// `@unchecked Sendable`: every stored `var` is read and written with `lock` held.
private final class SweepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var examinedKeys: [String] = []
    private var fillKeys: [String] = []
    private var completed: [String] = []

    func examined(_ key: String, meta: ByteBuffer?) {
        lock.withLock {
            if meta == nil { fillKeys.append(key) } else { examinedKeys.append(key) }
        }
    }

    func askedAboutFill(_ key: String) {
        lock.withLock { fillKeys.append(key) }
    }

    func completed(_ name: String) {
        lock.withLock { completed.append(name) }
    }

    var entriesExamined: [String] { lock.withLock { examinedKeys } }
    var fills: [String] { lock.withLock { fillKeys } }
    var completions: [String] { lock.withLock { completed } }
}

extension LMDBCacheStore {
    /// Stores a 300-byte ``TestBodies`` body per key at its version, with every fill in flight
    /// at once, so that thousands commit in a few batches instead of one transaction each.
    fileprivate func storeAll(_ entries: [(key: String, version: UInt64)]) async throws {
        let commits = entries.map { entry in
            let key = Array(entry.key.utf8)
            let fill = beginFill(key: key, on: TestEventLoop.shared)
            fill.append(ByteBuffer(bytes: TestBodies.bytes(key: key, version: entry.version, count: 300)))
            return fill.commit(meta: TestBodies.meta(version: entry.version))
        }
        for commit in commits { try await commit.get() }
    }
}
