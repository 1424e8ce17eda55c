@testable import EdgeStore
import Foundation

/// Threads that each read with their own ``StoreReader`` while a test writes, until `stop()`:
/// what readers on other event loops see of the writer's commits.
///
/// `@unchecked Sendable`: `stopping` and `running` are only touched with `lock` held.
final class ReaderThreads: @unchecked Sendable {
    private let lock = NSCondition()
    private var stopping = false
    private var running: Int

    /// Starts `count` threads, each calling `body` once with its reader and a check that is
    /// true until `stop()`: `body` loops while it holds.
    init(count: Int, store: LMDBCacheStore, _ body: @escaping @Sendable (StoreReader, _ keepReading: () -> Bool) -> Void) {
        running = count
        for _ in 0..<count {
            Thread { [self] in
                body(store.makeReader()) { self.lock.withLock { !self.stopping } }
                lock.withLock {
                    running -= 1
                    lock.broadcast()
                }
            }.start()
        }
    }

    /// Tells the threads to finish and waits until they have (on a thread of its own, not the
    /// task's executor).
    func stop() async {
        lock.withLock { stopping = true }
        await withCheckedContinuation { continuation in
            Thread {
                self.lock.withLock { while self.running > 0 { self.lock.wait() } }
                continuation.resume()
            }.start()
        }
    }
}
