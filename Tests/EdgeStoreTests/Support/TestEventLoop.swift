import Dispatch
import Glibc
import NIOCore

/// A minimal `EventLoop` on its own pthread, because this test target has neither NIOPosix nor
/// NIOEmbedded: enough for promises, futures and `wait()`. Tasks run in order on the thread.
///
/// `@unchecked Sendable`: `tasks`, `timers` and `stopping` are read and written only with
/// `mutex` held; `thread` is written once, before any other thread can see the loop.
final class TestEventLoop: EventLoop, @unchecked Sendable {
    private struct Timer {
        let deadline: NIODeadline
        let id: Int
        /// Runs on the loop's thread only, so it need not be `Sendable`.
        let task: () -> Void
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var tasks: [@Sendable () -> Void] = []
    private var timers: [Timer] = []
    private var nextTimerID = 0
    private var stopping = false
    private var thread = pthread_t()

    init() {
        pthread_mutex_init(mutex, nil)
        // Timed waits use the monotonic clock, like NIODeadline.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attributes)
        pthread_condattr_destroy(&attributes)
        let unmanaged = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { argument in
            Unmanaged<TestEventLoop>.fromOpaque(argument!).takeRetainedValue().runLoop()
            return nil
        }, unmanaged.toOpaque())
    }

    /// One loop for the whole test process (a forked child makes its own: threads do not survive `fork`).
    static let shared = TestEventLoop()

    var inEventLoop: Bool { pthread_equal(thread, pthread_self()) != 0 }

    func execute(_ task: @escaping @Sendable () -> Void) {
        locked { tasks.append(task) }
    }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let id = locked { () -> Int in
            nextTimerID += 1
            timers.append(Timer(deadline: deadline, id: nextTimerID, task: {
                // On the loop's thread: the value never crosses threads before the promise has it.
                promise.assumeIsolatedUnsafeUnchecked().completeWith(Result { try task() })
            }))
            return nextTimerID
        }
        return Scheduled(promise: promise) { [self] in
            locked { timers.removeAll { $0.id == id } }
            promise.fail(EventLoopError.cancelled)
        }
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, file: file, line: line)
    }

    func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, file: file, line: line)
    }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable (Error?) -> Void) {
        locked { stopping = true }
        queue.async { callback(nil) }
    }

    private func runLoop() {
        while true {
            pthread_mutex_lock(mutex)
            while tasks.isEmpty && !stopping && !timers.contains(where: { $0.deadline <= .now() }) {
                if let next = timers.map(\.deadline).min() {
                    var until = timespec(tv_sec: Int(next.uptimeNanoseconds / 1_000_000_000),
                                         tv_nsec: Int(next.uptimeNanoseconds % 1_000_000_000))
                    _ = pthread_cond_timedwait(wake, mutex, &until)
                } else {
                    pthread_cond_wait(wake, mutex)
                }
            }
            let now = NIODeadline.now()
            let due = timers.filter { $0.deadline <= now }
            timers.removeAll { $0.deadline <= now }
            let batch = tasks
            tasks = []
            let stop = stopping && batch.isEmpty && due.isEmpty
            pthread_mutex_unlock(mutex)
            if stop { return }
            for timer in due { timer.task() }
            for task in batch { task() }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_signal(wake)
            pthread_mutex_unlock(mutex)
        }
        return body()
    }
}
