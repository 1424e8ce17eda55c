/// The life of one server TLS connection, as plain values: the handler feeds it events and does
/// what the returned action says. No OpenSSL and no channel in here, so it is tested directly.
struct TLSServerStateMachine {
    enum State: Equatable {
        /// The channel is not active yet.
        case idle
        /// ClientHello to Finished; application writes wait in the handler's buffer.
        case handshaking
        /// Application data flows both ways.
        case active
        /// `close_notify` is queued; the socket closes once it has been written.
        case closing
        /// Nothing more is read, written or sent.
        case closed
    }

    enum InboundAction: Equatable {
        case continueHandshake
        case readApplicationData
        case discard
    }

    enum HandshakeAction: Equatable {
        /// Send what OpenSSL produced (ServerHello…) and wait for more from the peer.
        case sendOutputAndWait
        /// Cancel the timer, tell the pipeline (ALPN), flush buffered writes, read any early records.
        case announceCompletion
        /// Send the alert OpenSSL produced, report the error, close.
        case failAndClose
    }

    enum CloseAction: Equatable {
        /// Queue `close_notify`, write it, then close the socket.
        case sendCloseNotifyThenClose
        /// No TLS session to end politely: close the socket now.
        case closeImmediately
        /// Already on the way down: just pass the request on.
        case forward
    }

    enum WriteAction: Equatable {
        case buffer
        case encrypt
        case fail
    }

    private(set) var state: State = .idle

    mutating func channelActive() {
        if state == .idle { state = .handshaking }
    }

    func bytesReceived() -> InboundAction {
        switch state {
        case .idle, .handshaking: .continueHandshake
        case .active: .readApplicationData
        case .closing, .closed: .discard
        }
    }

    mutating func handshakeStepped(_ outcome: TLSConnection.Outcome) -> HandshakeAction {
        guard state == .handshaking || state == .idle else { return .sendOutputAndWait }
        switch outcome {
        case .incomplete:
            state = .handshaking
            return .sendOutputAndWait
        case .complete:
            state = .active
            return .announceCompletion
        case .failed:
            state = .closed
            return .failAndClose
        }
    }

    /// The handshake deadline passed; true when the connection must be dropped.
    mutating func handshakeTimedOut() -> Bool {
        guard state == .handshaking || state == .idle else { return false }
        state = .closed
        return true
    }

    /// The peer ended the session with `close_notify`, or we were asked to close.
    mutating func closeRequested() -> CloseAction {
        switch state {
        case .active:
            state = .closing
            return .sendCloseNotifyThenClose
        case .idle, .handshaking:
            state = .closed
            return .closeImmediately
        case .closing, .closed:
            return .forward
        }
    }

    func writeRequested() -> WriteAction {
        switch state {
        case .idle, .handshaking: .buffer
        case .active: .encrypt
        case .closing, .closed: .fail
        }
    }

    mutating func channelInactive() {
        state = .closed
    }

    /// The application wants the connection dropped without `close_notify`, so the peer sees
    /// a truncation rather than a clean end (a body without a length that broke off).
    mutating func abort() {
        state = .closed
    }
}
