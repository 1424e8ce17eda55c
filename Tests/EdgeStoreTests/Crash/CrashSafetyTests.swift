@testable import EdgeStore
import NIOCore
import Testing

@Suite struct CrashSafetyTests {
    private struct Tally {
        var cycles = 0
        var stalled = 0
        var commitsReported = 0
        var entriesChecked = 0
        var bodyBytesCompared = 0
        var orphanChunksRemoved = 0
        var cyclesKilledInsideAFill = 0
    }

    /// Kills a writing child process with `SIGKILL` at random moments, 20 times in each
    /// durability mode on the same directory (half of them aimed inside a fill), then 4 times
    /// at a known moment inside a fill, and after every kill reopens the cache and
    /// checks that every visible entry is whole and byte-exact, that nothing had to be
    /// dropped (an entry is never half-committed), and that the last fill the child saw
    /// committed is there.
    @Test func killNineAtAnyMomentLeavesOnlyWholeCorrectEntries() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try warmUp(path: directory.path + "/warm-up")

        var tally = Tally()
        var random = SystemRandomNumberGenerator()
        for cycle in 1...40 {
            let durability: Durability = cycle.isMultiple(of: 2) ? .survivesProcessCrash : .survivesSystemCrash
            let configuration = CrashWorkload.configuration(path: directory.cachePath, durability: durability)
            let writer = ForkedWriter(configuration: configuration, firstVersion: UInt64(cycle) << 32)
            let duringFill = cycle % 4 >= 2
            let outcome = writer.runAndKill(afterCommits: Int.random(in: 1...12, using: &random), duringNextFill: duringFill,
                                            extraDelayMicroseconds: UInt32.random(in: 0...(duringFill ? 500 : 3000), using: &random))
            tally.cycles += 1
            tally.commitsReported += outcome.commitsReported
            if outcome.stalled { tally.stalled += 1 }
            try check(configuration, after: outcome, cycle: cycle, into: &tally)
        }

        // And at a known moment: each child kills itself once a fill's chunks are committed.
        for (cycle, durability) in zip(41...44, [Durability.survivesSystemCrash, .survivesProcessCrash, .survivesSystemCrash, .survivesProcessCrash]) {
            let configuration = CrashWorkload.configuration(path: directory.cachePath, durability: durability)
            let outcome = ForkedWriter(configuration: configuration, firstVersion: UInt64(cycle) << 32).runUntilItKillsItselfInsideAFill()
            tally.cycles += 1
            tally.commitsReported += outcome.commitsReported
            let orphansBefore = tally.orphanChunksRemoved
            try check(configuration, after: outcome, cycle: cycle, into: &tally)
            #expect(tally.orphanChunksRemoved - orphansBefore >= 5, "cycle \(cycle): the interrupted fill's chunks are removed")
        }

        print("crash safety: \(tally.cycles) kill -9 cycles (\(tally.stalled) stalled), \(tally.commitsReported) commits seen by the child, "
            + "\(tally.entriesChecked) entries checked byte-exact (\(tally.bodyBytesCompared) body bytes), "
            + "\(tally.orphanChunksRemoved) orphan chunks of interrupted fills removed at restart "
            + "(\(tally.cyclesKilledInsideAFill) cycles killed between a fill's chunks and its commit)")
        #expect(tally.stalled <= 3, "children that never got going say nothing about the store; a few are tolerated")
        #expect(tally.cycles - tally.stalled >= 34)
        #expect(tally.entriesChecked > 0)
        #expect(tally.orphanChunksRemoved > 0, "some kills must land inside a fill, or the test proves little")
    }

    private func check(_ configuration: CacheStoreConfiguration, after outcome: ForkedWriter.Outcome,
                       cycle: Int, into tally: inout Tally) throws {
        let chunks = try checkEntries(configuration, after: outcome, cycle: cycle, into: &tally)
        let stored = try withRawEnvironment(configuration) { environment, transaction in
            try transaction.view.count(environment.body)
        }
        #expect(stored == chunks, "cycle \(cycle): every chunk left belongs to a visible entry")
    }

    /// Reopens the cache and checks every entry byte for byte; returns how many chunks they have.
    private func checkEntries(_ configuration: CacheStoreConfiguration, after outcome: ForkedWriter.Outcome,
                              cycle: Int, into tally: inout Tally) throws -> Int {
        let store = try LMDBCacheStore(configuration: configuration)
        defer { store.close() }
        let report = store.startupReport
        #expect(report.rebuiltBecause == nil, "cycle \(cycle)")
        #expect(report.droppedEntries == 0, "cycle \(cycle): an entry was visible without all its chunks")
        tally.orphanChunksRemoved += report.orphanChunksRemoved
        if report.orphanChunksRemoved > 0 { tally.cyclesKilledInsideAFill += 1 }

        let reader = store.makeReader()
        let entries = try reader.entries()
        #expect(entries.count == report.entryCount)
        #expect(report.usedBytes <= configuration.maxSize)
        for entry in entries {
            let version = try #require(TestBodies.version(of: entry), "cycle \(cycle)")
            let length = TestBodies.length(key: entry.key, version: version, upTo: CrashWorkload.maxBodyLength)
            #expect(try reader.body(of: entry) == TestBodies.bytes(key: entry.key, version: version, count: length),
                    "cycle \(cycle): \(String(decoding: entry.key, as: UTF8.self)) version \(version)")
            #expect(try reader.verifyBody(of: entry))
            tally.entriesChecked += 1
            tally.bodyBytesCompared += length
        }
        if let last = outcome.lastCommit {
            let entry = try #require(try reader.lookup(Array(last.key.utf8)), "cycle \(cycle): the last commit \(last) is gone")
            #expect(TestBodies.version(of: entry).map { $0 >= last.version } == true, "cycle \(cycle)")
        }
        return entries.reduce(0) { $0 + $1.chunkCount }
    }

    /// Runs the child's code paths once in this process, so the forked child finds them ready.
    private func warmUp(path: String) throws {
        let store = try LMDBCacheStore(configuration: CrashWorkload.configuration(path: path, durability: .survivesProcessCrash))
        CrashWorkload.run(store: store, loop: TestEventLoop.shared, firstVersion: 1, steps: 40, report: nil)
        store.close()
        _ = try store.makeReader().entries()
    }
}
