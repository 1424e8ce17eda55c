import NIOCore

/// One fetch in progress: the caller's handle for flow control and cancellation.
public final class OriginFetch: Sendable {
    /// Counters for tests, logs and metrics.
    public struct Statistics: Sendable, Equatable {
        /// curl attempts started so far (more than 1 after a retry).
        public var attempts: Int
        /// Body bytes taken from the origin.
        public var bytesReceived: Int
        /// Body bytes taken from the origin but not yet acknowledged by `demandMore()`: the
        /// memory this fetch holds.
        public var bytesInFlight: Int
        /// The largest `bytesInFlight` seen.
        public var peakBytesInFlight: Int
    }

    public let eventLoop: any EventLoop
    let flow: TransferFlow
    private let worker: OriginWorker
    private let delivery: NIOLoopBoundBox<OriginDelivery>

    /// Call on `eventLoop`.
    init(eventLoop: any EventLoop, delegate: any OriginResponseDelegate, worker: OriginWorker, bodyBufferLimit: Int) {
        self.eventLoop = eventLoop
        self.flow = TransferFlow(limit: bodyBufferLimit)
        self.worker = worker
        self.delivery = NIOLoopBoundBox(OriginDelivery(delegate: delegate), eventLoop: eventLoop)
    }

    public var statistics: Statistics { flow.statistics }

    /// Acknowledges every body part delivered so far: the delegate is ready for more. Any thread.
    public func demandMore() {
        onLoop { fetch in
            if fetch.flow.acknowledge(upTo: fetch.delivery.value.bytesDelivered) {
                fetch.worker.post(.resume(fetch))
            }
        }
    }

    /// Stops the fetch (the viewer went away). Any thread. If it had not finished, nothing more
    /// is delivered except `originDidFinish(.failure(.cancelled))`, which arrives on a later
    /// event-loop tick (never from inside `cancel()`); the transfer is removed on the origin
    /// thread and its connection closed. After a finish, does nothing.
    public func cancel() {
        onLoop { fetch in
            guard let delegate = fetch.delivery.value.cancel() else { return }
            fetch.worker.post(.cancel(fetch))
            fetch.eventLoop.assumeIsolated().execute {
                delegate.originDidFinish(.failure(.cancelled))
            }
        }
    }

    /// From the origin thread: queues `event` for the delegate, in order.
    func post(_ event: OriginEvent) {
        eventLoop.execute { self.delivery.value.handle(event) }
    }

    private func onLoop(_ body: @escaping @Sendable (OriginFetch) -> Void) {
        if eventLoop.inEventLoop {
            body(self)
        } else {
            eventLoop.execute { body(self) }
        }
    }
}
