import NIOCore

extension OriginTransfer {
    /// The origin thread's view of one fetch: which phase it is in, which deadline applies, and
    /// whether a failed attempt may be retried. Pure: time and randomness come in as arguments.
    struct StateMachine {
        enum State: Equatable {
            /// curl is resolving, connecting or handshaking; curl's connect timeout governs.
            case connecting
            /// The request went out; no response byte yet.
            case awaitingFirstByte(deadline: NIODeadline)
            /// Response bytes are arriving. `idleDeadline` is nil while back-pressure holds the
            /// transfer paused. Once `headDelivered`, the fetch can no longer be retried.
            case receiving(idleDeadline: NIODeadline?, headDelivered: Bool)
            /// An attempt failed before any response byte; the next starts at `at`.
            case waitingToRetry(at: NIODeadline)
            /// Succeeded, failed or cancelled; no further action.
            case finished
        }

        enum TickAction: Equatable {
            case none
            case startAttempt
            case fail(OriginError)
        }

        enum EndAction: Equatable {
            /// `nil` is success.
            case finish(OriginError?)
            case retry(at: NIODeadline)
        }

        private(set) var state: State = .connecting
        private(set) var attempts = 1
        let totalDeadline: NIODeadline
        private let timeouts: OriginTimeouts
        private let retry: OriginRetryPolicy

        init(timeouts: OriginTimeouts, retry: OriginRetryPolicy, now: NIODeadline) {
            self.timeouts = timeouts
            self.retry = retry
            self.totalDeadline = now + TimeAmount(timeouts.total)
        }

        var isFinished: Bool { state == .finished }

        /// The earliest moment `tick` has something to do.
        var nextDeadline: NIODeadline? {
            switch state {
            case .connecting: totalDeadline
            case .awaitingFirstByte(let deadline): min(deadline, totalDeadline)
            case .receiving(let idle?, _): min(idle, totalDeadline)
            case .receiving(nil, _): totalDeadline
            case .waitingToRetry(let at): min(at, totalDeadline)
            case .finished: nil
            }
        }

        mutating func requestSent(now: NIODeadline) {
            guard state == .connecting else { return }
            state = .awaitingFirstByte(deadline: now + TimeAmount(timeouts.firstByte))
        }

        /// Any response byte, head or body.
        mutating func responseBytes(now: NIODeadline) {
            switch state {
            case .connecting, .awaitingFirstByte:
                state = .receiving(idleDeadline: now + TimeAmount(timeouts.idle), headDelivered: false)
            case .receiving(.some, let delivered):
                state = .receiving(idleDeadline: now + TimeAmount(timeouts.idle), headDelivered: delivered)
            case .receiving(nil, _), .waitingToRetry, .finished:
                break
            }
        }

        mutating func headDelivered() {
            if case .receiving(let idle, _) = state { state = .receiving(idleDeadline: idle, headDelivered: true) }
        }

        mutating func paused() {
            if case .receiving(_, let delivered) = state { state = .receiving(idleDeadline: nil, headDelivered: delivered) }
        }

        mutating func resumed(now: NIODeadline) {
            if case .receiving(nil, let delivered) = state {
                state = .receiving(idleDeadline: now + TimeAmount(timeouts.idle), headDelivered: delivered)
            }
        }

        mutating func tick(now: NIODeadline) -> TickAction {
            if state == .finished { return .none }
            if now >= totalDeadline { return fail(.timeout(phase: .total)) }
            switch state {
            case .awaitingFirstByte(let deadline) where now >= deadline:
                return fail(.timeout(phase: .firstByte))
            case .receiving(let idle?, _) where now >= idle:
                return fail(.timeout(phase: .idle))
            case .waitingToRetry(let at) where now >= at:
                attempts += 1
                state = .connecting
                return .startAttempt
            default:
                return .none
            }
        }

        /// curl finished the current attempt. `jitter` is a random number in [0, 1).
        mutating func attemptEnded(_ end: AttemptEnd, now: NIODeadline, jitter: Double) -> EndAction {
            let before = state
            guard before != .finished else { return .finish(nil) }
            state = .finished
            switch end {
            case .completed:
                guard case .receiving(_, true) = before else {
                    return .finish(.invalidResponse(reason: "the connection ended without a complete response head"))
                }
                return .finish(nil)
            case .curlTimedOut:
                return .finish(.timeout(phase: before == .connecting ? .connect : .total))
            case .failed(let error, let retryable):
                let responseStarted = if case .receiving = before { true } else { false }
                guard retryable, !responseStarted, attempts < retry.maxAttempts else { return .finish(error) }
                let at = now + TimeAmount(retry.delay(beforeAttempt: attempts + 1, jitter: jitter))
                guard at < totalDeadline else { return .finish(error) }
                state = .waitingToRetry(at: at)
                return .retry(at: at)
            }
        }

        mutating func cancel() {
            state = .finished
        }

        private mutating func fail(_ error: OriginError) -> TickAction {
            state = .finished
            return .fail(error)
        }
    }
}
