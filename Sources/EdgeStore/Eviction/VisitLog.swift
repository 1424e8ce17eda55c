import NIOConcurrencyHelpers

/// The hits (``LMDBCacheStore/recordHit(_:)``) the writer has not yet written as visited bits:
/// the generations hit, in memory until the writer's next transaction takes them.
///
/// Why this shape: a hit happens on an event loop many times a second, so it must cost no disk
/// write and no writer message. It is one insert into a set under one of 16 locks (chosen by
/// generation, so loops hitting different entries rarely meet; a hot entry already in the set
/// makes it a lookup). The writer empties the log at the start of every transaction and sets
/// each generation's bit in its order record (one `mdb_get`, plus one `mdb_put` if the bit was
/// clear): the cost follows the distinct entries hit since the last commit, not the number of
/// hits, and an eviction in that transaction already sees them. Close empties it once more.
///
/// Bounded: it holds each generation once, only generations that were live when hit, and
/// when one shard reaches ``drainThreshold`` / 16 the hit that got it there asks the writer
/// for a transaction, so a writer with no fills to write still empties it.
///
/// A `kill -9` loses the hits not yet committed, a few milliseconds' worth while fills arrive:
/// those entries just look unvisited, and the next hit marks them again.
final class VisitLog: Sendable {
    private let shards: [NIOLockedValueBox<Set<UInt64>>]
    private let shardThreshold: Int

    init(drainThreshold: Int = 16_384) {
        shards = (0..<16).map { _ in NIOLockedValueBox([]) }
        shardThreshold = max(1, drainThreshold / 16)
    }

    /// Any thread: notes a hit on `generation`. True for the one hit that brings its shard to
    /// the threshold: the caller should wake the writer.
    func record(_ generation: UInt64) -> Bool {
        shards[Int(generation % UInt64(shards.count))].withLockedValue { pending in
            pending.insert(generation).inserted && pending.count == shardThreshold
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
