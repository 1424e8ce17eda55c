extension OriginDelivery {
    /// What the delegate has been told, so that it hears head → parts → one finish and nothing
    /// after a finish or a cancel, whatever is still queued on the event loop.
    struct StateMachine {
        enum State: Equatable {
            /// Nothing delivered yet.
            case awaitingHead
            /// The head was delivered; body parts may follow.
            case streaming
            /// `originDidFinish` was delivered or scheduled; everything later is dropped.
            case finished
        }

        enum Action: Equatable {
            case deliver
            case drop
        }

        private(set) var state: State = .awaitingHead

        mutating func receivedHead() -> Action {
            guard state == .awaitingHead else { return .drop }
            state = .streaming
            return .deliver
        }

        mutating func receivedBodyPart() -> Action {
            state == .streaming ? .deliver : .drop
        }

        mutating func receivedFinish() -> Action {
            guard state != .finished else { return .drop }
            state = .finished
            return .deliver
        }

        /// `.deliver`: tell the delegate `.cancelled` and stop the transfer.
        mutating func cancelled() -> Action {
            receivedFinish()
        }
    }
}
