import NIOCore

/// What the origin thread posts to a fetch's event loop.
enum OriginEvent: Sendable {
    case head(status: Int, headers: [(String, String)])
    case body(ByteBuffer)
    case finished(Result<Void, OriginError>)
}

/// The event-loop side of one fetch: hands events to the delegate in order and counts the body
/// bytes delivered (for back-pressure). Lives on its event loop only.
final class OriginDelivery {
    private var machine = StateMachine()
    /// Released at the finish, which breaks the fetch → delegate → fetch cycle.
    private var delegate: (any OriginResponseDelegate)?
    private(set) var bytesDelivered = 0

    init(delegate: any OriginResponseDelegate) {
        self.delegate = delegate
    }

    func handle(_ event: OriginEvent) {
        switch event {
        case .head(let status, let headers):
            guard machine.receivedHead() == .deliver else { return }
            delegate?.originDidReceiveHead(status: status, headers: headers)
        case .body(let buffer):
            guard machine.receivedBodyPart() == .deliver else { return }
            bytesDelivered += buffer.readableBytes
            delegate?.originDidReceiveBodyPart(buffer)
        case .finished(let result):
            guard machine.receivedFinish() == .deliver, let delegate else { return }
            self.delegate = nil
            delegate.originDidFinish(result)
        }
    }

    /// The delegate to tell `.cancelled`, when the fetch had not finished yet.
    func cancel() -> (any OriginResponseDelegate)? {
        guard machine.cancelled() == .deliver else { return nil }
        defer { delegate = nil }
        return delegate
    }
}

@available(*, unavailable)
extension OriginDelivery: Sendable {}
