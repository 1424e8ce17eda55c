import NIOConcurrencyHelpers

/// The lines between the event loops that format them and the writer thread that writes them.
///
/// Callers append a finished line under the lock (a `memcpy`, nothing else); the writer takes
/// everything at once by swapping in a spare buffer, and hands the written buffer back for the
/// next swap, so the steady state allocates nothing. The condition's value means "wake the
/// writer now" (64 KiB waiting, a reopen, a stop); callers release the lock without signalling
/// otherwise, so a logged line costs no wake-up.
///
/// `@unchecked Sendable`: every stored `var` is read and written only between
/// `condition.lock()` and `condition.unlock()`/`unlock(withValue:)`.
final class AccessLogQueue: @unchecked Sendable {
    enum Segment {
        case lines([UInt8])
        /// Lines before this go to the file that was open; lines after it to the reopened one.
        case reopen

        /// Moves the lines out, leaving empty lines behind, so the returned buffer is the only
        /// reference to its storage; `nil` for a reopen.
        mutating func takeLines() -> [UInt8]? {
            guard case .lines(let bytes) = self else { return nil }
            self = .lines([])
            return bytes
        }
    }

    struct Batch {
        var segments: [Segment]
        /// Lines refused since the previous batch for being over ``maxQueuedBytes``.
        var dropped: Int
        var stop: Bool
    }

    /// At most this many bytes wait (queued, or taken but not yet written); lines that would
    /// pass it are dropped and counted.
    let maxQueuedBytes: Int
    /// Waiting bytes that wake the writer before its interval is up.
    let wakeThreshold: Int
    /// A written buffer larger than this is let go instead of kept as the spare, so a burst does
    /// not hold its peak memory forever.
    private static let largestSpare = 1 << 20

    private let condition = ConditionLock(value: false)
    private var pending: [UInt8]
    private var spare: [UInt8] = []
    private var sealed: [Segment] = []
    private var queuedBytes = 0
    private var droppedSinceBatch = 0
    private var droppedTotal = 0
    private var stopRequested = false

    init(maxQueuedBytes: Int, wakeThreshold: Int = 64 * 1024) {
        self.maxQueuedBytes = maxQueuedBytes
        self.wakeThreshold = wakeThreshold
        pending = []
        pending.reserveCapacity(min(maxQueuedBytes, wakeThreshold * 2))
    }

    /// Any thread: queues one line, or drops it (and counts it) when the queue is full or stopped.
    func enqueue(_ line: UnsafeBufferPointer<UInt8>) {
        condition.lock()
        guard !stopRequested, queuedBytes + line.count <= maxQueuedBytes else {
            droppedTotal += 1
            if !stopRequested { droppedSinceBatch += 1 }
            condition.unlock()
            return
        }
        let wasBelow = pending.count < wakeThreshold
        pending.append(contentsOf: line)
        queuedBytes += line.count
        if wasBelow && pending.count >= wakeThreshold {
            condition.unlock(withValue: true)
        } else {
            condition.unlock()
        }
    }

    /// Any thread: lines queued so far stay with the current file; the writer reopens before
    /// writing any later line.
    func requestReopen() {
        condition.lock()
        sealPending()
        sealed.append(.reopen)
        condition.unlock(withValue: true)
    }

    /// Any thread: refuses lines from now on; the writer writes what is queued, then ends.
    func requestStop() {
        condition.lock()
        stopRequested = true
        condition.unlock(withValue: true)
    }

    /// Lines dropped since the start (full queue, or logged after the stop).
    var droppedLines: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedTotal
    }

    /// Any thread: whether a reopen is waiting behind the lines being written.
    var reopenRequested: Bool {
        condition.lock()
        defer { condition.unlock() }
        return sealed.contains { if case .reopen = $0 { true } else { false } }
    }

    var stopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    /// Writer thread: waits until woken or `timeoutSeconds` pass, then takes everything queued.
    func take(timeoutSeconds: Double) -> Batch {
        if !condition.lock(whenValue: true, timeoutSeconds: timeoutSeconds) {
            condition.lock()
        }
        sealPending()
        let batch = Batch(segments: sealed, dropped: droppedSinceBatch, stop: stopRequested)
        sealed = []
        droppedSinceBatch = 0
        condition.unlock(withValue: false)
        return batch
    }

    /// Writer thread: `buffer`'s lines are written (or given up); their bytes stop counting
    /// against the limit, and the emptied buffer (unique by now, so no copy) becomes the spare.
    func finished(_ buffer: inout [UInt8]) {
        let count = buffer.count
        buffer.removeAll(keepingCapacity: true)
        condition.lock()
        queuedBytes -= count
        if spare.capacity == 0 && buffer.capacity <= Self.largestSpare {
            swap(&spare, &buffer)
        }
        condition.unlock()
    }

    /// Under the lock: moves the pending lines into `sealed`, the spare taking their place.
    private func sealPending() {
        guard !pending.isEmpty else { return }
        sealed.append(.lines(pending))
        pending = spare
        spare = []
    }
}
