@testable import EdgeStore
import Glibc
import NIOCore

/// What the forked child does until it is killed: fills (committed, aborted, overwriting),
/// hits, deletes and prefix deletes on a small key space, under a budget tight enough to evict
/// (so the SIEVE hand moves and visited bits are set and cleared), each fill spread over
/// several transactions so that a kill often lands between a fill's chunks and its commit.
/// Every body follows from its key and the version in its metadata.
enum CrashWorkload {
    static let keyCount = 24
    static let maxBodyLength = 40_000

    static func configuration(path: String, durability: Durability) -> CacheStoreConfiguration {
        var configuration = CacheStoreConfiguration.forTests(path: path, maxSize: 512 * 1024)
        configuration.durability = durability
        configuration.maxOperationsPerCommit = 3
        return configuration
    }

    /// Runs `steps` operations (or forever), reporting on `report` (if any) `fill\n` once a
    /// fill's chunks are queued, and `key version\n` once it is committed, before going on.
    static func run(store: LMDBCacheStore, loop: any EventLoop, firstVersion: UInt64, steps: Int?, report: Int32?) {
        var random = SplitMix64(seed: firstVersion)
        var version = firstVersion
        var lastCommitted = ""
        var step = 0
        let reader = store.makeReader()
        while steps.map({ step < $0 }) ?? true {
            step += 1
            version += 1
            let key = "/k/\(random.next() % UInt64(keyCount))"
            switch random.next() % 10 {
            case 0..<7:
                guard fill(store: store, loop: loop, key: key, version: version, random: &random, commit: true, report: report) else {
                    continue
                }
                lastCommitted = key
                if let entry = try? reader.lookup(Array("/k/\(random.next() % UInt64(keyCount))".utf8)) { store.recordHit(entry) }
                if let report { write(report, line: "\(key) \(version)\n") }
            case 7:
                _ = fill(store: store, loop: loop, key: key, version: version, random: &random, commit: false, report: nil)
            case 8 where key != lastCommitted:
                _ = try? store.delete(key: Array(key.utf8), on: loop).wait()
            case 9 where !lastCommitted.hasPrefix("/k/1"):
                _ = try? store.deleteMatching(prefix: Array("/k/1".utf8), on: loop).wait()
            default:
                continue
            }
        }
    }

    /// Appends the body in parts of random sizes; commits and waits, or aborts halfway.
    private static func fill(store: LMDBCacheStore, loop: any EventLoop, key: String, version: UInt64,
                             random: inout SplitMix64, commit: Bool, report: Int32?) -> Bool {
        let keyBytes = Array(key.utf8)
        let body = TestBodies.bytes(key: keyBytes, version: version,
                                    count: TestBodies.length(key: keyBytes, version: version, upTo: maxBodyLength))
        let handle = store.beginFill(key: keyBytes, on: loop)
        var offset = 0
        while offset < (commit ? body.count : body.count / 2) {
            let end = min(body.count, offset + 1 + Int(random.next() % 9000))
            handle.append(ByteBuffer(bytes: body[offset..<end]))
            offset = end
        }
        guard commit else {
            handle.abort()
            return false
        }
        // The chunks are queued: the writer is storing them now.
        if let report { write(report, line: "fill\n") }
        return (try? handle.commit(meta: TestBodies.meta(version: version)).wait()) != nil
    }

    /// Queues a fill's chunks, waits until they are committed, and kills the process before the
    /// fill's meta record is: the state a crash mid-fill leaves, at a known moment.
    static func killSelfInsideAFill(store: LMDBCacheStore, loop: any EventLoop, version: UInt64) -> Never {
        let key = Array("/k/interrupted".utf8)
        let handle = store.beginFill(key: key, on: loop)
        handle.append(ByteBuffer(bytes: TestBodies.bytes(key: key, version: version, count: 5 * 4096)))
        _ = try? store.flush(on: loop).wait()
        kill(getpid(), SIGKILL)
        _exit(1)
    }

    private static func write(_ descriptor: Int32, line: String) {
        // One write of under PIPE_BUF bytes: the parent reads whole lines or nothing.
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// A tiny deterministic generator, so a cycle's workload follows from its seed.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
