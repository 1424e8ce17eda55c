import NIOCore

/// Sits in front of the HTTP/1.1 decoder, on raw bytes, and enforces the header read timeout,
/// the idle keep-alive timeout and the request-head size limit (`431`). The request handler
/// tells it, through outbound user events, when a head was decoded and when its response ended.
final class HTTP1RequestGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Event: Sendable {
        case requestHeadReceived
        case responseCompleted
    }

    private var machine: HTTP1RequestGuardStateMachine
    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// When the running limit expires, and which one it is; nil while a response is produced.
    private var deadline: (at: NIODeadline, kind: HTTP1RequestGuardStateMachine.Timer)?
    /// The one scheduled wake-up. It is not moved when a deadline moves later (the common case:
    /// every response pushes the idle deadline out); on waking it re-arms for the current deadline.
    private var wakeUp: (task: Scheduled<Void>, at: NIODeadline)?

    init(maxHeaderSize: Int, headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.machine = HTTP1RequestGuardStateMachine(maxHeaderSize: maxHeaderSize)
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        start(machine.initialTimer(), context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        wakeUp?.task.cancel()
        wakeUp = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine.state != .closed else { return }  // Rejected: the rest is not read.
        let count = unwrapInboundIn(data).readableBytes
        machine.bytesArriving()
        context.fireChannelRead(data)
        perform(machine.bytesForwarded(count), context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event as? Event {
        case .requestHeadReceived:
            perform(machine.requestHeadReceived(), context: context)
            promise?.succeed()
        case .responseCompleted:
            perform(machine.responseCompleted(), context: context)
            promise?.succeed()
        case nil:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func perform(_ action: HTTP1RequestGuardStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .startTimer(let kind):
            start(kind, context: context)
        case .cancelTimer:
            deadline = nil
        case .rejectHeadTooLarge:
            deadline = nil
            reject("431 Request Header Fields Too Large",
                   "request headers exceed \(machine.maxHeaderSize) bytes", context: context)
        }
    }

    private func start(_ kind: HTTP1RequestGuardStateMachine.Timer, context: ChannelHandlerContext) {
        let at = context.eventLoop.now + (kind == .header ? headerTimeout : idleTimeout)
        deadline = (at, kind)
        if let wakeUp, wakeUp.at <= at { return }
        wakeUp?.task.cancel()
        schedule(at: at, context: context)
    }

    private func schedule(at: NIODeadline, context: ChannelHandlerContext) {
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in
            wakeUp = nil
            guard let deadline else { return }
            guard context.eventLoop.now >= deadline.at else {
                schedule(at: deadline.at, context: context)
                return
            }
            expire(context: context)
        }
        wakeUp = (task, at)
    }

    private func expire(context: ChannelHandlerContext) {
        let readingHead = if case .readingHead = machine.state { true } else { false }
        guard machine.timerFired() else { return }
        deadline = nil
        if readingHead {
            reject("408 Request Timeout", "request headers not received within \(headerTimeout)", context: context)
        } else {
            context.close(promise: nil)
        }
    }

    /// Answers directly in raw HTTP/1.1 (the decoder's state is unknown) and closes.
    private func reject(_ status: String, _ reason: String, context: ChannelHandlerContext) {
        let body = "s3edge: \(reason)\n"
        let response = "HTTP/1.1 \(status)\r\nServer: s3edge\r\nDate: \(HTTPDate.now())\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HTTP1RequestGuard: Sendable {}
