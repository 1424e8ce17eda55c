import NIOConcurrencyHelpers
import NIOCore

/// The hits (``LMDBCacheStore/recordHit(_:)``) the writer has not yet written as visited bits:
/// the generations hit, in memory until the writer takes them.
///
/// Why this shape: a hit happens on an event loop many times a second, so it must cost no disk
/// write and no writer message. It is one insert into a set under one of 16 locks (chosen by
/// generation, so loops hitting different entries rarely meet; a hot entry already in the set
/// makes it a lookup). The writer takes the log when a transaction evicts (so SIEVE sees every
/// hit), when asked to (`.persistVisits`), and at close, and sets each generation's bit in its
/// order record (one `mdb_get`, plus one `mdb_put` if the bit was clear).
///
/// Not on every commit: with hits spread over a million entries, writing them every few
/// milliseconds rewrote a page of the order index per hit (the benchmark's hit rate fell to a
/// third). Taken rarely, many hits share each page written.
///
/// Bounded: it holds each generation once, and the hit that brings a shard to
/// ``drainThreshold`` / 16 generations, or the first new one after ``persistInterval``, asks the
/// writer to take it (`.persistVisits`).
///
/// A `kill -9` loses the hits not yet written, at most ``persistInterval``'s worth: those
/// entries just look unvisited to the next eviction, and their next hit marks them again.
final class VisitLog: Sendable {
    private let shards: [NIOLockedValueBox<Set<UInt64>>]
    private let shardThreshold: Int
    private let persistInterval: TimeAmount
    private let lastRequest: NIOLockedValueBox<NIODeadline>

    init(drainThreshold: Int = 262_144, persistInterval: TimeAmount = .seconds(30)) {
        shards = (0..<16).map { _ in NIOLockedValueBox([]) }
        shardThreshold = max(1, drainThreshold / 16)
        self.persistInterval = persistInterval
        lastRequest = NIOLockedValueBox(.now())
    }

    /// Any thread: notes a hit on `generation`. True when the caller should ask the writer to
    /// take the log: a shard reached its share of the threshold, or the interval has passed.
    func record(_ generation: UInt64) -> Bool {
        let (inserted, full) = shards[Int(generation % UInt64(shards.count))].withLockedValue { pending in
            let inserted = pending.insert(generation).inserted
            return (inserted, inserted && pending.count == shardThreshold)
        }
        guard inserted else { return false }
        let now = NIODeadline.now()
        return lastRequest.withLockedValue { last in
            guard full || now - last >= persistInterval else { return false }
            last = now
            return true
        }
    }

    /// Writer thread: every generation recorded so far, leaving the log empty.
    func take() -> Set<UInt64> {
        var taken: Set<UInt64> = []
        for shard in shards {
            taken.formUnion(shard.withLockedValue { pending in
                defer { pending = [] }
                return pending
            })
        }
        return taken
    }

    /// Writer thread: hands back what a failed transaction took, so the bits are not lost.
    func putBack(_ generations: Set<UInt64>) {
        for generation in generations { _ = record(generation) }
    }

    var isEmpty: Bool {
        shards.allSatisfy { $0.withLockedValue { $0.isEmpty } }
    }
}
