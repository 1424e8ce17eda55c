import NIOCore
import NIOTLS

/// Terminates TLS for one accepted connection on the system OpenSSL: ciphertext below,
/// plaintext above. A thin shell over `TLSServerStateMachine`; OpenSSL runs over memory BIOs
/// inside `TLSConnection`.
///
/// Fires `TLSUserEvent.handshakeCompleted(negotiatedProtocol:)` so NIO's ALPN handler can build
/// the HTTP/1.1 or HTTP/2 pipeline, and sends `close_notify` before closing.
public final class TLSServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private let connection: TLSConnection
    private let handshakeTimeout: TimeAmount
    private var machine = TLSServerStateMachine()
    private var handshakeTimer: Scheduled<Void>?
    /// Application writes issued before the handshake finished.
    private var bufferedWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    /// Promises of writes already encrypted, completed when their ciphertext is written.
    private var encryptedPromises: [EventLoopPromise<Void>] = []

    /// What the handshake negotiated; nil until it completes.
    public private(set) var session: TLSSessionDetails?

    public init(context: TLSContext, handshakeTimeout: TimeAmount) throws(TLSError) {
        self.connection = try TLSConnection(context: context)
        self.handshakeTimeout = handshakeTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard machine.state == .idle else { return }
        machine.channelActive()
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) { [self] in
            guard machine.handshakeTimedOut() else { return }
            context.fireErrorCaught(TLSError(operation: "TLS handshake not finished within \(handshakeTimeout)", reasons: []))
            context.close(promise: nil)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        machine.channelInactive()
        handshakeTimer?.cancel()
        let pending = bufferedWrites.compactMap(\.1) + encryptedPromises
        bufferedWrites.removeAll()
        encryptedPromises.removeAll()
        pending.forEach { $0.fail(ChannelError.ioOnClosedChannel) }
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.receive(unwrapInboundIn(data))
        switch machine.bytesReceived() {
        case .continueHandshake: continueHandshake(context: context)
        case .readApplicationData: readApplicationData(context: context)
        case .discard: break
        }
    }

    private func continueHandshake(context: ChannelHandlerContext) {
        let outcome = connection.handshake()
        switch machine.handshakeStepped(outcome) {
        case .sendOutputAndWait:
            sendOutput(context: context)
        case .announceCompletion:
            handshakeTimer?.cancel()
            let details = connection.details
            session = details
            sendOutput(context: context)
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: details.applicationProtocol))
            let writes = bufferedWrites
            bufferedWrites.removeAll()
            for (buffer, promise) in writes { encrypt(buffer, promise: promise, context: context) }
            if !writes.isEmpty { sendOutput(context: context) }
            readApplicationData(context: context)
        case .failAndClose:
            handshakeTimer?.cancel()
            sendOutput(context: context)
            if case .failed(let error) = outcome { context.fireErrorCaught(error) }
            context.close(promise: nil)
        }
    }

    private func readApplicationData(context: ChannelHandlerContext) {
        var plaintext = context.channel.allocator.buffer(capacity: 16_384)
        reading: while true {
            switch connection.read(into: &plaintext) {
            case .bytes:
                continue
            case .incomplete:
                break reading
            case .closed:
                deliver(&plaintext, context: context)
                closeGracefully(context: context, promise: nil)
                return
            case .failed(let error):
                sendOutput(context: context)
                context.fireErrorCaught(error)
                context.close(promise: nil)
                return
            }
        }
        deliver(&plaintext, context: context)
        // Post-handshake messages (TLS 1.3 session tickets, alerts) may be waiting.
        sendOutput(context: context)
    }

    private func deliver(_ plaintext: inout ByteBuffer, context: ChannelHandlerContext) {
        guard plaintext.readableBytes > 0 else { return }
        context.fireChannelRead(wrapInboundOut(plaintext))
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch machine.writeRequested() {
        case .buffer: bufferedWrites.append((buffer, promise))
        case .encrypt: encrypt(buffer, promise: promise, context: context)
        case .fail: promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    private func encrypt(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        switch connection.write(buffer) {
        case .complete, .incomplete:
            if let promise { encryptedPromises.append(promise) }
        case .failed(let error):
            promise?.fail(error)
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if machine.writeRequested() == .encrypt { sendOutput(context: context) }
    }

    /// Writes and flushes whatever ciphertext OpenSSL produced, completing the promises of the
    /// plaintext writes it carries.
    private func sendOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        let promises = encryptedPromises
        encryptedPromises.removeAll()
        guard let output = connection.takeOutput(allocator: context.channel.allocator) else {
            promises.forEach { $0.succeed() }
            promise?.succeed()
            return
        }
        var writePromise = promise
        if !promises.isEmpty {
            let combined = writePromise ?? context.eventLoop.makePromise()
            combined.futureResult.assumeIsolated().whenComplete { result in
                promises.forEach { $0.completeWith(result) }
            }
            writePromise = combined
        }
        context.writeAndFlush(wrapOutboundOut(output), promise: writePromise)
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        closeGracefully(context: context, promise: promise)
    }

    private func closeGracefully(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        switch machine.closeRequested() {
        case .sendCloseNotifyThenClose:
            connection.shutdown()
            let written = context.eventLoop.makePromise(of: Void.self)
            sendOutput(context: context, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in
                context.fireUserInboundEventTriggered(TLSUserEvent.shutdownCompleted)
                context.close(promise: promise)
            }
        case .closeImmediately, .forward:
            context.close(promise: promise)
        }
    }
}

@available(*, unavailable)
extension TLSServerHandler: Sendable {}
