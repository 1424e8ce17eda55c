#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOConcurrencyHelpers

/// The only code that writes to the store, running on its own thread (``WriterThread``).
///
/// It takes batches from the mailbox and applies each in one write transaction. If a batch
/// fails — the map is full because the size estimate was off, or LMDB reports an error — the
/// transaction is aborted and the ledger put back; for a full map it evicts and retries once,
/// then retries each operation alone so that only the ones that cannot fit fail. Each
/// transaction also writes the hits gathered since the last one (``VisitLog``).
final class StoreWriter {
    let environment: LMDBEnvironment
    let mailbox: WriterMailbox
    let configuration: CacheStoreConfiguration
    let policy: any EvictionPolicy
    let visits: VisitLog
    let cost: StorageCost
    let logger: Logger
    let directory: CacheDirectory
    let published: NIOLockedValueBox<StoreUsage>
    var ledger: WriterLedger
    var scratchKey: [UInt8] = []
    /// Seals chunks and metadata when the store is encrypted.
    let cipher: StoreCipher?
    /// Hits taken from the ``VisitLog`` by the current transaction, to hand back if it fails.
    var takenVisits: Set<UInt64> = []

    init(environment: LMDBEnvironment, mailbox: WriterMailbox, configuration: CacheStoreConfiguration,
         policy: any EvictionPolicy, visits: VisitLog, logger: Logger, directory: CacheDirectory,
         ledger: WriterLedger, published: NIOLockedValueBox<StoreUsage>) {
        self.environment = environment
        self.mailbox = mailbox
        self.configuration = configuration
        self.policy = policy
        self.visits = visits
        self.cost = StorageCost(pageSize: environment.pageSize)
        self.logger = logger
        self.directory = directory
        self.ledger = ledger
        self.published = published
        self.cipher = configuration.keyring.map(StoreCipher.init(keyring:))
    }

    func run() {
        while true {
            let (batch, stop) = mailbox.takeBatch(
                maxOperations: configuration.maxOperationsPerCommit,
                maxBytes: configuration.maxBytesPerCommit,
                window: configuration.commitWindow
            )
            if !batch.isEmpty { execute(batch) }
            if stop { break }
        }
        finish()
    }

    private func execute(_ batch: [WriterOperation]) {
        guard let error = attempt(batch) else { return }
        if error.isMapFull {
            logger.notice("cache map is full; evicting to make room", metadata: ["path": "\(configuration.path)"])
            freeMapSpace(atLeast: 2 * batch.reduce(0) { $0 + $1.byteCount })
            if attempt(batch) == nil { return }
        } else {
            logger.error("cache write failed; retrying its operations one by one", metadata: ["error": "\(error)"])
        }
        for operation in batch {
            if let error = attempt([operation]) { fail(operation, CacheStoreError(error)) }
        }
    }

    /// Applies `batch` in one transaction. The hits gathered so far are written into it when
    /// it asks for them (`.persistVisits`) or when it evicts (so that SIEVE sees them), not on
    /// every commit: see ``VisitLog``. Nil once committed (completions delivered); the error
    /// otherwise, with the ledger and the hits as they were before.
    private func attempt(_ batch: [WriterOperation]) -> LMDBError? {
        let before = ledger
        takenVisits = []
        do {
            let transaction = try WriteTransaction(environment)
            if batch.contains(where: { if case .persistVisits = $0 { true } else { false } }) {
                try writeVisits(in: transaction)
            }
            for operation in batch { try apply(operation, in: transaction) }
            try transaction.commit(counters: ledger.counters)
            publishUsage()
            for completion in transaction.completions { completion() }
            return nil
        } catch {
            ledger = before
            visits.putBack(takenVisits)
            return error as? LMDBError ?? LMDBError(EIO, "\(error)")
        }
    }

    private func apply(_ operation: WriterOperation, in transaction: WriteTransaction) throws {
        switch operation {
        case .begin(let id, let key):
            var fill = PendingFill(key: key, generation: ledger.nextGeneration, chunkSize: configuration.chunkSize)
            if let keyring = configuration.keyring {
                // The whole fill is sealed with the key current at its start.
                fill.keyID = keyring.currentID
                if fill.keyID == nil { fill.failure = .keyUnavailable }
            }
            ledger.fills[id] = fill
            ledger.nextGeneration += 1
        case .chunk(let id, let parts, let length):
            try writeChunk(of: id, parts: parts, length: length, in: transaction)
        case .commit(let id, let parts, let length, let meta, let promise):
            let outcome = try commitFill(id, parts: parts, length: length, meta: meta, in: transaction)
            transaction.completions.append { promise.completeWith(outcome.mapError { $0 }) }
        case .abort(let id):
            try endFill(id, in: transaction)
        case .delete(let key, let promise):
            let removed = try removeEntry(key, in: transaction) != nil
            invalidateFills { $0 == key }
            transaction.completions.append { promise.succeed(removed) }
        case .deleteMatching(let prefix, let promise):
            let removed = try removeEntries(withPrefix: prefix, in: transaction)
            invalidateFills { $0.starts(with: prefix) }
            transaction.completions.append { promise.succeed(removed) }
        case .sweep(let sweep):
            try sweepBatch(sweep, in: transaction)
        case .replaceMeta(let key, let generation, let meta, let promise):
            let replaced = try replaceMeta(of: key, generation: generation, meta: meta, in: transaction)
            transaction.completions.append { promise.succeed(replaced) }
        case .persistVisits:
            break
        case .flush(let promise):
            transaction.completions.append { promise.succeed(()) }
        case .trim:
            _ = try makeRoom(for: 0, in: transaction)
        }
    }

    /// After `operation` failed on its own: tell its caller, and drop what its fill wrote.
    private func fail(_ operation: WriterOperation, _ error: CacheStoreError) {
        switch operation {
        case .begin(let id, let key):
            ledger.fills[id] = PendingFill(key: key, generation: ledger.nextGeneration, chunkSize: configuration.chunkSize, failure: error)
            ledger.nextGeneration += 1
        case .chunk(let id, _, _):
            if ledger.fills[id]?.failure == nil { ledger.fills[id]?.failure = error }
        case .commit(let id, _, _, _, let promise):
            promise.fail(error)
            if attempt([.abort(id)]) != nil { forgetFill(id) }
        case .abort(let id):
            forgetFill(id)
        case .delete(_, let promise): promise.fail(error)
        case .deleteMatching(_, let promise): promise.fail(error)
        case .sweep(let sweep): sweep.promise.fail(error)
        case .replaceMeta(_, _, _, let promise): promise.fail(error)
        case .flush(let promise): promise.fail(error)
        case .trim, .persistVisits: break
        }
    }

    /// A fill whose chunks could not be deleted: they stay (and stay counted) until the next
    /// start removes them as orphans.
    private func forgetFill(_ id: FillID) {
        guard let fill = ledger.fills.removeValue(forKey: id) else { return }
        logger.error("cache could not remove the chunks of an unfinished fill; the next start will",
                     metadata: ["chunks": "\(fill.chunksWritten)"])
    }

    func publishUsage() {
        let usage = StoreUsage(usedBytes: ledger.usedBytes, maxSize: configuration.maxSize,
                               entryCount: ledger.entryCount, evictedEntries: ledger.evictedEntries)
        published.withLockedValue { $0 = usage }
    }

    /// Stop requested and the queue drained: drop unfinished fills, write the hits since the
    /// last commit, and in `NOSYNC` mode put everything on disk before removing the session
    /// marker.
    private func finish() {
        for id in ledger.fills.keys where attempt([.abort(id)]) != nil { forgetFill(id) }
        if !visits.isEmpty, let error = attempt([.persistVisits]) {
            logger.warning("cache could not record the last hits before closing", metadata: ["error": "\(error)"])
        }
        guard configuration.durability == .survivesProcessCrash else { return }
        do {
            try environment.syncToDisk()
            directory.endUnsyncedSession()
        } catch {
            logger.error("cache could not sync at shutdown; the next start after a reboot will rebuild it",
                         metadata: ["error": "\(error)"])
        }
    }
}
