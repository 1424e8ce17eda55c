import NIOCore
import Synchronization

/// A `FetchCoalescer` behind a mutex, for fills shared by several event loops.
/// Each call holds the lock only for the state change; the returned action is
/// executed by the caller after the lock is released, so no I/O ever happens
/// under it.
@available(macOS 15.0, *)
public final class LockedFetchCoalescer<Key: Hashable & Sendable, Waiter: Hashable & Sendable, Head: Sendable>:
    Sendable
{
    public typealias Machine = FetchCoalescer<Key, Waiter, Head>

    private let machine = Mutex(Machine())

    public init() {}

    public func request(_ key: Key, waiter: Waiter) -> Machine.JoinAction {
        machine.withLock { $0.request(key, waiter: waiter) }
    }

    public func receivedHead(_ head: Head, for key: Key) -> Machine.DeliverAction {
        machine.withLock { $0.receivedHead(head, for: key) }
    }

    public func received(_ bytes: ByteBuffer, for key: Key) -> Machine.DeliverAction {
        machine.withLock { $0.received(bytes, for: key) }
    }

    public func finished(_ key: Key) -> Machine.CompletionAction {
        machine.withLock { $0.finished(key) }
    }

    public func failed(_ key: Key) -> Machine.CompletionAction {
        machine.withLock { $0.failed(key) }
    }

    public func leave(_ key: Key, waiter: Waiter) {
        machine.withLock { $0.leave(key, waiter: waiter) }
    }

    public var activeFills: Int {
        machine.withLock { $0.activeFills }
    }
}
