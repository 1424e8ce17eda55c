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
    private var timer: Scheduled<Void>?

    init(maxHeaderSize: Int, headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.machine = HTTP1RequestGuardStateMachine(maxHeaderSize: maxHeaderSize)
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        start(machine.initialTimer(), context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine.state != .closed else { return }  // Rejected: the rest is not read.
        let count = unwrapInboundIn(data).readableBytes
        perform(machine.bytesArriving(), context: context)
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
            timer?.cancel()
            timer = nil
        case .rejectHeadTooLarge:
            timer?.cancel()
            reject("431 Request Header Fields Too Large",
                   "request headers exceed \(machine.maxHeaderSize) bytes", context: context)
        }
    }

    private func start(_ kind: HTTP1RequestGuardStateMachine.Timer, context: ChannelHandlerContext) {
        timer?.cancel()
        let delay = kind == .header ? headerTimeout : idleTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            let readingHead = if case .readingHead = machine.state { true } else { false }
            guard machine.timerFired() else { return }
            if readingHead {
                reject("408 Request Timeout", "request headers not received within \(headerTimeout)", context: context)
            } else {
                context.close(promise: nil)
            }
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
