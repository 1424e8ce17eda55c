import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The LMDB-backed cache store: entries of opaque metadata plus a chunked body, bounded by a
/// byte budget, surviving restarts and `kill -9`.
///
/// - Writes go through one writer thread (``FillHandle``, ``delete(key:on:)``,
///   ``deleteMatching(prefix:on:)``, ``sweep(batchSize:matches:on:)``), batched into
///   transactions; completions arrive as futures on the caller's event loop once committed.
/// - Reads go through ``StoreReader``s, one per event loop: no locks, one `mdb_get` per call.
///   A hit is reported with ``recordHit(_:)`` for eviction (``SIEVE`` by default).
/// - Opening checks that every entry's chunks are all there, removes the chunks of fills a
///   crash interrupted, and rebuilds an unreadable file empty (``StartupReport``).
/// - See ``Durability`` for what survives a crash and ``CacheStoreConfiguration/mapSize`` for
///   the file's size.
public final class LMDBCacheStore: Sendable {
    public let configuration: CacheStoreConfiguration
    public let startupReport: StartupReport
    private let environment: LMDBEnvironment
    private let mailbox: WriterMailbox
    private let writerThread: WriterThread
    private let published: NIOLockedValueBox<StoreUsage>
    private let visits = VisitLog()

    /// Opens (or creates, or rebuilds) the store and starts its writer thread. Blocks on disk
    /// I/O and the start-up check: call it from the service's start, not from an event loop.
    public init(configuration: CacheStoreConfiguration, evictionPolicy: any EvictionPolicy = SIEVE(),
                logger: Logger = Logger(label: "s3edge.store")) throws(CacheStoreOpenError) {
        let opened = try StoreOpening(configuration: configuration, logger: logger).open()
        let usage = StoreUsage(usedBytes: opened.ledger.usedBytes, maxSize: configuration.maxSize,
                               entryCount: opened.ledger.entryCount, evictedEntries: 0)
        self.configuration = configuration
        startupReport = opened.report
        environment = opened.environment
        mailbox = WriterMailbox(maxQueuedBytes: configuration.maxQueuedBytes)
        published = NIOLockedValueBox(usage)
        _ = mailbox.post(.trim)
        writerThread = try WriterThread(running: StoreWriter(
            environment: opened.environment, mailbox: mailbox, configuration: configuration,
            policy: evictionPolicy, visits: visits, logger: logger, directory: opened.directory,
            ledger: opened.ledger, published: published
        ), path: configuration.path)
    }

    deinit {
        mailbox.requestStop()
        writerThread.detach()
    }

    /// Starts storing a body under `key`. Nothing is visible until ``FillHandle/commit(meta:)``
    /// succeeds; an error (bad key, closed store) shows as that commit's failure.
    public func beginFill(key: [UInt8], on eventLoop: any EventLoop) -> FillHandle {
        guard (1...CacheStoreConfiguration.maxKeyLength).contains(key.count) else {
            return FillHandle(key: key, rejected: .unusableKey(length: key.count), eventLoop: eventLoop)
        }
        switch mailbox.begin(key: key) {
        case .success(let id):
            return FillHandle(key: key, id: id, chunkSize: configuration.chunkSize, mailbox: mailbox, eventLoop: eventLoop)
        case .failure(let error):
            return FillHandle(key: key, rejected: error, eventLoop: eventLoop)
        }
    }

    /// Deletes the entry for `key`; true if there was one. Fills of `key` begun before this
    /// call can no longer commit (``CacheStoreError/invalidated``).
    public func delete(key: [UInt8], on eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        let promise = eventLoop.makePromise(of: Bool.self)
        if let error = mailbox.post(.delete(key: key, promise: promise)) { promise.fail(error) }
        return promise.futureResult
    }

    /// Deletes every entry whose key starts with `prefix` (an invalidation), returning how many.
    /// Fills of matching keys begun before this call can no longer commit.
    public func deleteMatching(prefix: [UInt8], on eventLoop: any EventLoop) -> EventLoopFuture<Int> {
        let promise = eventLoop.makePromise(of: Int.self)
        if let error = mailbox.post(.deleteMatching(prefix: prefix, promise: promise)) { promise.fail(error) }
        return promise.futureResult
    }

    /// Deletes, in the background, every entry for which `matches` is true: the space
    /// reclaim behind invalidations, whose effect on lookups is immediate elsewhere (the cache
    /// layer hides entries older than a matching rule) but whose rules can be retired only once
    /// nothing they cover is left. Succeeds with the number of entries deleted.
    ///
    /// - The whole `meta` index is walked in key order, at most `batchSize` entries (at least
    ///   1) examined per write transaction. Each next batch is queued behind the work posted
    ///   meanwhile, so fills, deletes and their commits go on between batches; entries
    ///   committed during the walk are examined if they sort after where it is.
    /// - `matches(key, meta)` gets each entry's key and the metadata given to its commit.
    ///   For each fill in progress when the sweep starts it is called with `meta` nil (a fill
    ///   has no metadata until it commits): true fails that fill's commit with
    ///   ``CacheStoreError/invalidated``, because its body may be older than what the sweep
    ///   removes. Fills begun after this call are never failed by it.
    /// - `matches` runs on the store's writer thread, inside its transaction: it must be quick
    ///   and must not call into the store. A batch whose transaction fails and is retried asks
    ///   about its entries again.
    ///
    /// When it succeeds, nothing stored before this call that `matches` accepts is left: no
    /// entry, and no fill begun before it. If the store closes first, it fails with
    /// ``CacheStoreError/closed``; the batches already committed stay done.
    public func sweep(
        batchSize: Int = 4096, matches: @escaping @Sendable (_ key: [UInt8], _ meta: ByteBuffer?) -> Bool,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Int> {
        let promise = eventLoop.makePromise(of: Int.self)
        let sweep = SweepProgress(matches: matches, batchSize: batchSize, promise: promise)
        if let error = mailbox.post(.sweep(sweep)) { promise.fail(error) }
        return promise.futureResult
    }

    /// Replaces the metadata of `key`'s entry, keeping its body, if the entry is still the one
    /// `generation` names (``StoredEntry/generation``): for a revalidation (`304 Not Modified`)
    /// that refreshes freshness without fetching the body again. True if replaced; false, with
    /// nothing changed, if the entry was replaced by a newer fill, deleted or evicted since, so
    /// a revalidation that raced with those cannot write over them. Readers see the old
    /// metadata or the new, never a mix. The entry's charge follows the new length: if it grew,
    /// others are evicted to stay within `maxSize`; false if it would pass `maxEntrySize` or
    /// the eviction took the entry itself. Ordered with the other writes: a delete or
    /// invalidation called after this one wins.
    public func replaceMeta(key: [UInt8], generation: UInt64, meta: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        guard (1...CacheStoreConfiguration.maxKeyLength).contains(key.count) else { return eventLoop.makeSucceededFuture(false) }
        let promise = eventLoop.makePromise(of: Bool.self)
        if let error = mailbox.post(.replaceMeta(key: key, generation: generation, meta: meta, promise: promise)) {
            promise.fail(error)
        }
        return promise.futureResult
    }

    /// Reports that `entry` served a request, for eviction: its generation counts as visited
    /// (``SIEVE``), so the entry outlives the next pass of the hand. Any thread, as often as
    /// there are hits: a set insert under a short lock and no message to the writer, which
    /// writes the bit with its next commit (``VisitLog``). A newer fill of the same key is a
    /// new generation and starts unvisited.
    public func recordHit(_ entry: StoredEntry) {
        if visits.record(entry.generation) { _ = mailbox.post(.persistVisits) }
    }

    /// Succeeds once everything queued before it is committed.
    public func flush(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        if let error = mailbox.post(.flush(promise)) { promise.fail(error) }
        return promise.futureResult
    }

    /// A reader for one thread (an event loop). At most ``CacheStoreConfiguration/maxReaders``
    /// may exist at once; the next one fails its first read with `MDB_READERS_FULL`.
    public func makeReader() -> StoreReader {
        StoreReader(environment: environment, keyring: configuration.keyring)
    }

    /// Size and entry count as of the writer's last commit.
    public var usage: StoreUsage {
        published.withLockedValue { $0 }
    }

    /// Commits what is queued, drops unfinished fills, stops the writer and waits for it. Later
    /// calls fail with ``CacheStoreError/closed``. The file closes when the last reader is gone.
    /// Blocks: call it from the service's shutdown, not from an event loop.
    public func close() {
        mailbox.requestStop()
        writerThread.join()
    }
}
