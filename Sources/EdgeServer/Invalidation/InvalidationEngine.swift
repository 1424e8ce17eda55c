import EdgeCache
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// CloudFront's invalidations on this node, with immediate effect and a cost independent of the
/// number of cached objects.
///
/// - Sequences: every fill records, in its entry's metadata, the sequence current when it
///   started (`fillSequence()`); every invalidation path becomes a rule with a higher sequence.
///   A lookup hides an entry when a rule of its distribution matching its path has a higher
///   sequence than the entry (`isHidden`). Creating an invalidation is therefore a few
///   dictionary inserts, whether it names one object or `/*` over a million.
/// - The sequence is a hybrid clock: microseconds since the epoch, kept strictly above every
///   sequence handed out, and above the log's last one at start. Entries of a cache whose log was
///   lost still compare correctly against new rules.
/// - Fills running when an invalidation arrives are detached from the fill registry (new
///   requests start a fresh fetch instead of joining them); what they commit carries their older
///   sequence and stays hidden.
/// - Space is reclaimed by a background sweep of the store; once a sweep that started after a
///   rule has finished, no entry the rule could hide remains, and the rule is retired.
/// - Everything is persisted in `InvalidationLog` before `create` returns.
public final class InvalidationEngine: Sendable {
    struct State {
        /// Per distribution, newest first.
        var records: [String: [InvalidationLog.Record]] = [:]
        var indexes: [String: InvalidationIndex] = [:]
        var lastSequence: UInt64 = 0
        var retiredThrough: UInt64 = 0
        var activeRules = 0
        var sweepRunning = false
        var sweepWanted = false
        /// Sequences of fills not yet finished (a fill may commit long after it began, if its
        /// origin is slow): rules are never retired while a fill older than them could still
        /// commit an entry they hide.
        var runningFills: [UInt64: Int] = [:]
    }

    private let state: Mutex<State>
    /// Rules not yet retired, all distributions: zero on most requests, which then skip the
    /// check entirely.
    private let activeRules = Atomic<Int>(0)
    private let log: InvalidationLog
    private let logger: Logger

    /// Opens `directory/invalidations.log` and rebuilds the rules still in force.
    init(directory: String, logger: Logger) throws(InvalidationLogError) {
        let log = try InvalidationLog(directory: directory)
        let loaded = try log.load()
        var state = State()
        state.retiredThrough = loaded.retiredThrough
        for record in loaded.records {
            state.records[record.distribution, default: []].insert(record, at: 0)
            state.lastSequence = max(state.lastSequence, record.sequence)
            guard record.sequence > loaded.retiredThrough else { continue }
            for path in record.paths {
                guard let pattern = try? InvalidationPattern(validating: path) else { continue }
                state.indexes[record.distribution, default: InvalidationIndex()].add(pattern, sequence: record.sequence)
                state.activeRules += 1
            }
        }
        if loaded.skippedLines > 0 {
            logger.warning("invalidation log: skipped unreadable lines (a write cut short by a crash is one)", metadata: [
                "path": "\(log.path)", "lines": "\(loaded.skippedLines)",
            ])
        }
        activeRules.store(state.activeRules, ordering: .relaxed)
        self.state = Mutex(state)
        self.log = log
        self.logger = logger
    }

    /// True if there are rules a sweep should reclaim space for (at start, after a restart).
    var hasActiveRules: Bool {
        activeRules.load(ordering: .relaxed) > 0
    }

    /// The sequence a fill starting now records in its entry; the fill calls `fillFinished`
    /// with it when it is gone.
    func fillStarted() -> UInt64 {
        state.withLock { state in
            // Recorded, so that the next rule is strictly above every fill begun before it.
            state.lastSequence = max(Self.nowMicroseconds(), state.lastSequence)
            state.runningFills[state.lastSequence, default: 0] += 1
            return state.lastSequence
        }
    }

    func fillFinished(_ sequence: UInt64) {
        state.withLock { state in
            guard let count = state.runningFills[sequence] else { return }
            state.runningFills[sequence] = count > 1 ? count - 1 : nil
        }
    }

    /// Whether the entry stored under `key` with `sequence` is hidden by an invalidation of
    /// `distributionID`.
    func isHidden(key: [UInt8], sequence: UInt64, distributionID: String) -> Bool {
        guard hasActiveRules else { return false }
        return state.withLock { state -> UInt64 in
            guard let index = state.indexes[distributionID], !index.isEmpty,
                let subject = InvalidationSubject(cacheKey: key)
            else { return 0 }
            return index.hidingSequence(of: subject)
        } > sequence
    }

    /// What `create` did.
    enum Creation {
        case created(InvalidationLog.Record)
        /// The same caller reference with the same paths: the earlier invalidation.
        case existing(InvalidationLog.Record)
    }

    enum CreationError: Error {
        case invalidPath(String)
        case callerReferenceReused(existingID: String)
        case persistence(InvalidationLogError)
    }

    /// Registers the rules (in effect for every lookup from this moment), persists them, and
    /// returns the record. Blocks on `fsync`: call it off the event loops.
    func create(distributionID: String, callerReference: String, paths: [String]) throws(CreationError) -> Creation {
        var patterns: [InvalidationPattern] = []
        for path in paths {
            do {
                patterns.append(try InvalidationPattern(validating: path))
            } catch {
                throw .invalidPath("\(error)")
            }
        }
        let outcome = state.withLock { state -> Result<Creation, CreationError> in
            if let earlier = state.records[distributionID]?.first(where: { $0.callerReference == callerReference }) {
                return earlier.paths.sorted() == paths.sorted()
                    ? .success(.existing(earlier)) : .failure(.callerReferenceReused(existingID: earlier.id))
            }
            let sequence = max(Self.nowMicroseconds(), state.lastSequence + 1)
            state.lastSequence = sequence
            let record = InvalidationLog.Record(
                id: Self.newID(), distribution: distributionID, callerReference: callerReference, paths: paths,
                createdMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), sequence: sequence
            )
            var index = state.indexes[distributionID] ?? InvalidationIndex()
            for pattern in patterns { index.add(pattern, sequence: sequence) }
            state.indexes[distributionID] = index
            state.activeRules += patterns.count
            state.records[distributionID, default: []].insert(record, at: 0)
            activeRules.store(state.activeRules, ordering: .relaxed)
            return .success(.created(record))
        }
        let creation: Creation
        switch outcome {
        case .success(let value): creation = value
        case .failure(let error): throw error
        }
        if case .created(let record) = creation {
            do {
                try log.append(record)
            } catch {
                // The rules stay in force in memory (hiding too much is safe); the caller reports
                // the failure, and a retry with the same CallerReference returns this record.
                throw .persistence(error)
            }
        }
        return creation
    }

    func invalidation(distributionID: String, id: String) -> InvalidationLog.Record? {
        state.withLock { $0.records[distributionID]?.first { $0.id == id } }
    }

    /// Newest first.
    func invalidations(distributionID: String) -> [InvalidationLog.Record] {
        state.withLock { $0.records[distributionID] ?? [] }
    }

    /// Whether a key of `distributionID` is matched by any rule newer than `sequence` (for fills:
    /// pass 0 to ask "matched by any rule at all").
    func matchesAnyRule(key: [UInt8], distributionID: String, newerThan sequence: UInt64) -> Bool {
        isHidden(key: key, sequence: sequence, distributionID: distributionID)
    }

    /// Rule sequences up to this one may be retired once a sweep begun now has finished.
    func beginSweep() -> UInt64? {
        state.withLock { state -> UInt64? in
            guard state.activeRules > 0 else { return nil }
            if state.sweepRunning {
                state.sweepWanted = true
                return nil
            }
            state.sweepRunning = true
            state.sweepWanted = false
            return state.lastSequence
        }
    }

    enum NextSweep {
        case none
        /// Invalidations arrived during the sweep.
        case now
        /// A fill older than some rules was still running: once it has finished, a sweep can
        /// delete what it stored and retire those rules.
        case later
    }

    /// A sweep begun at `sequence` finished (or failed, `completed: false`): retires the rules
    /// it covered, except those a still-running older fill could yet store an entry under.
    func endSweep(through requested: UInt64, completed: Bool) -> (retiredThrough: UInt64, next: NextSweep) {
        var retired: UInt64 = 0
        let next = state.withLock { state -> NextSweep in
            state.sweepRunning = false
            guard completed else { return state.sweepWanted ? .now : .later }
            // A rule hides a fill's entry only if it is newer than the fill: rules up to the oldest
            // running fill's sequence can go.
            let oldestFill = state.runningFills.keys.min() ?? .max
            let sequence = min(requested, oldestFill)
            guard sequence > state.retiredThrough else { return state.sweepWanted ? .now : .later }
            state.retiredThrough = sequence
            retired = sequence
            var active = 0
            for (distribution, var index) in state.indexes {
                index.retire(through: sequence)
                state.indexes[distribution] = index.isEmpty ? nil : index
                active += index.ruleCount
            }
            state.activeRules = active
            activeRules.store(active, ordering: .relaxed)
            if state.sweepWanted { return .now }
            return active > 0 ? .later : .none
        }
        if retired > 0 {
            do {
                try log.appendRetirement(through: retired)
            } catch {
                logger.warning("\(error)")
            }
        }
        return (retired, next)
    }

    static func nowMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec / 1000)
    }

    /// CloudFront-style: "I" and 13 upper-case letters and digits.
    static func newID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = [UInt8(ascii: "I")]
        for _ in 0..<13 { bytes.append(alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
