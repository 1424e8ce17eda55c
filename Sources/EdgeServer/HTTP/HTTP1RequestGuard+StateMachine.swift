/// Time and size limits on reading HTTP/1.1 request heads, as plain values.
///
/// Between requests a connection may sit idle for `idleTimeout`; once the first byte of a head
/// arrives the whole head must arrive within `headerTimeout` (a client sending a byte a second
/// cannot hold the connection) and within `maxHeaderSize` bytes.
struct HTTP1RequestGuardStateMachine {
    enum State: Equatable {
        /// Waiting for the first byte of a request; `first` is true before the first request.
        case idle(first: Bool)
        /// Bytes of a head have arrived, but not all of it.
        case readingHead(bytes: Int)
        /// A head was decoded; its response has not ended yet.
        case inRequest
        /// Limits were exceeded or the channel closed.
        case closed
    }

    enum Timer: Equatable {
        case idle
        case header
    }

    enum Action: Equatable {
        case none
        case startTimer(Timer)
        case cancelTimer
        case rejectHeadTooLarge
    }

    let maxHeaderSize: Int
    private(set) var state: State = .idle(first: true)

    init(maxHeaderSize: Int) {
        self.maxHeaderSize = maxHeaderSize
    }

    /// Which timer runs at connection start: the first request gets only the header timeout.
    func initialTimer() -> Timer { .header }

    /// Called before bytes are passed to the decoder.
    mutating func bytesArriving() {
        if case .idle = state { state = .readingHead(bytes: 0) }
    }

    /// Called after the decoder saw the bytes; a head it completed has moved us on already.
    /// The header timer starts only when the first read did not hold the whole head, which is
    /// rare, so the common request costs no timer at all.
    mutating func bytesForwarded(_ count: Int) -> Action {
        guard case .readingHead(let seen) = state else { return .none }
        let total = seen + count
        guard total <= maxHeaderSize else {
            state = .closed
            return .rejectHeadTooLarge
        }
        state = .readingHead(bytes: total)
        return seen == 0 ? .startTimer(.header) : .none
    }

    mutating func requestHeadReceived() -> Action {
        guard state != .closed else { return .none }
        state = .inRequest
        return .cancelTimer
    }

    mutating func responseCompleted() -> Action {
        guard state == .inRequest else { return .none }
        state = .idle(first: false)
        return .startTimer(.idle)
    }

    /// A timer fired; true when the connection must close.
    mutating func timerFired() -> Bool {
        switch state {
        case .idle, .readingHead:
            state = .closed
            return true
        case .inRequest, .closed:
            return false
        }
    }
}
