import NIOConcurrencyHelpers
import NIOCore

/// The writer thread's queue: any thread posts, the writer takes batches, waiting on a
/// condition variable when idle.
///
/// `@unchecked Sendable`: every stored `var` is read and written only between
/// `condition.lock()` and `condition.unlock(withValue:)` (the condition's value says "there is
/// something to take"), so the lock serialises all access.
final class WriterMailbox: @unchecked Sendable {
    private let condition = ConditionLock(value: false)
    private var operations: [WriterOperation] = []
    private var queuedBytes = 0
    private var nextFillID: FillID = 0
    private var stopRequested = false
    private let maxQueuedBytes: Int

    init(maxQueuedBytes: Int) {
        self.maxQueuedBytes = maxQueuedBytes
    }

    /// Any thread: registers a fill and queues its `begin`.
    func begin(key: [UInt8]) -> Result<FillID, CacheStoreError> {
        locked { () -> Result<FillID, CacheStoreError> in
            guard !stopRequested else { return .failure(.closed) }
            nextFillID += 1
            operations.append(.begin(nextFillID, key: key))
            return .success(nextFillID)
        }
    }

    /// Any thread: queues `operation`; the error says why it was refused. Only chunks are
    /// refused for being over `maxQueuedBytes`: the commit that ends a fill always gets through.
    func post(_ operation: WriterOperation) -> CacheStoreError? {
        locked { () -> CacheStoreError? in
            guard !stopRequested else { return .closed }
            if case .chunk = operation, queuedBytes + operation.byteCount > maxQueuedBytes { return .overloaded }
            queuedBytes += operation.byteCount
            operations.append(operation)
            return nil
        }
    }

    /// Any thread: refuses everything from now on; the writer applies what is queued, then stops.
    func requestStop() {
        locked { stopRequested = true }
    }

    /// Writer thread: blocks until there is work, then gathers a batch — up to `maxOperations`
    /// or `maxBytes`, waiting up to `window` after the first operation for more. `stop` is true
    /// once a stop was requested and nothing is left after this batch.
    func takeBatch(maxOperations: Int, maxBytes: Int, window: TimeAmount) -> (batch: [WriterOperation], stop: Bool) {
        condition.lock(whenValue: true)
        var batch: [WriterOperation] = []
        var bytes = 0
        var full = move(into: &batch, bytes: &bytes, maxOperations: maxOperations, maxBytes: maxBytes)
        let deadline = NIODeadline.now() + window
        while !full && !stopRequested {
            let remaining = deadline - NIODeadline.now()
            condition.unlock(withValue: !operations.isEmpty)
            guard remaining > .zero,
                  condition.lock(whenValue: true, timeoutSeconds: Double(remaining.nanoseconds) / 1e9) else {
                condition.lock()
                break
            }
            full = move(into: &batch, bytes: &bytes, maxOperations: maxOperations, maxBytes: maxBytes)
        }
        let stop = stopRequested && operations.isEmpty
        condition.unlock(withValue: !operations.isEmpty || stopRequested)
        return (batch, stop)
    }

    /// Under the lock: moves queued operations into `batch` until a limit; true if one was hit.
    private func move(into batch: inout [WriterOperation], bytes: inout Int, maxOperations: Int, maxBytes: Int) -> Bool {
        var taken = 0
        while taken < operations.count, batch.count < maxOperations, bytes < maxBytes {
            bytes += operations[taken].byteCount
            batch.append(operations[taken])
            taken += 1
        }
        operations.removeFirst(taken)
        queuedBytes -= batch.suffix(taken).reduce(0) { $0 + $1.byteCount }
        return batch.count >= maxOperations || bytes >= maxBytes
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        let result = body()
        condition.unlock(withValue: !operations.isEmpty || stopRequested)
        return result
    }
}
