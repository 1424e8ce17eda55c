@testable import EdgeStore
import Foundation
import NIOCore
import Testing

@Suite struct ConcurrentReadTests {
    /// Reader threads check every body they can read against the version in its metadata while
    /// the writer keeps overwriting: a reader may find a chunk gone (its entry was replaced), but
    /// never a body that mixes versions or differs from what was stored.
    @Test func readersOnSeveralThreadsSeeOnlyWholeCommittedBodies() async throws {
        try await withStore { store, _ in
            let keys = (0..<8).map { "/hot/\($0)" }
            for key in keys { try await store.store(key: key, version: 0, length: 30_000) }

            let tally = ReadTally()
            let threads = (0..<3).map { _ in
                Thread {
                    let reader = store.makeReader()
                    while !tally.writerFinished {
                        for key in keys { tally.record(Self.readAndCheck(key, with: reader)) }
                    }
                    tally.threadDone()
                }
            }
            threads.forEach { $0.start() }
            for version in 1...60 {
                let key = keys[version % keys.count]
                try await store.store(key: key, version: UInt64(version), length: TestBodies.length(key: Array(key.utf8), version: UInt64(version), upTo: 40_000))
            }
            tally.finishWriter()
            await tally.waitForThreads(3)

            #expect(tally.mismatches == 0)
            #expect(tally.wholeReads > 0)
        }
    }

    private enum ReadOutcome { case whole, gone, mismatch }

    private static func readAndCheck(_ key: String, with reader: StoreReader) -> ReadOutcome {
        guard let entry = try? reader.lookup(Array(key.utf8)), let version = TestBodies.version(of: entry) else { return .mismatch }
        guard let body = try? reader.body(of: entry) else { return .gone }
        let length = version == 0 ? 30_000 : TestBodies.length(key: entry.key, version: version, upTo: 40_000)
        return body == TestBodies.bytes(key: entry.key, version: version, count: length) ? .whole : .mismatch
    }

    /// `@unchecked Sendable`: every stored property is only touched with `lock` held.
    private final class ReadTally: @unchecked Sendable {
        private let lock = NSCondition()
        private var counts: [ReadOutcome: Int] = [:]
        private var finished = false
        private var doneThreads = 0

        var writerFinished: Bool { lock.withLock { finished } }
        var mismatches: Int { lock.withLock { counts[.mismatch, default: 0] } }
        var wholeReads: Int { lock.withLock { counts[.whole, default: 0] } }

        func record(_ outcome: ReadOutcome) { lock.withLock { counts[outcome, default: 0] += 1 } }
        func finishWriter() { lock.withLock { finished = true } }

        func threadDone() {
            lock.withLock {
                doneThreads += 1
                lock.broadcast()
            }
        }

        func waitForThreads(_ count: Int) async {
            await withCheckedContinuation { continuation in
                Thread {
                    self.lock.withLock { while self.doneThreads < count { self.lock.wait() } }
                    continuation.resume()
                }.start()
            }
        }
    }
}
