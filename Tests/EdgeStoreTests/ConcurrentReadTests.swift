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
            let readers = ReaderThreads(count: 3, store: store) { reader, keepReading in
                while keepReading() {
                    for key in keys { tally.record(Self.readAndCheck(key, with: reader)) }
                }
            }
            for version in 1...60 {
                let key = keys[version % keys.count]
                try await store.store(key: key, version: UInt64(version), length: TestBodies.length(key: Array(key.utf8), version: UInt64(version), upTo: 40_000))
            }
            await readers.stop()

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

    /// `@unchecked Sendable`: `counts` is only touched with `lock` held.
    private final class ReadTally: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [ReadOutcome: Int] = [:]

        var mismatches: Int { lock.withLock { counts[.mismatch, default: 0] } }
        var wholeReads: Int { lock.withLock { counts[.whole, default: 0] } }

        func record(_ outcome: ReadOutcome) { lock.withLock { counts[outcome, default: 0] += 1 } }
    }
}
