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
    /// Plaintext written since the last flush; encrypted together at flush so a response's head
    /// and small body travel in one TLS record.
    private var unflushed: [ByteBuffer] = []
    /// Promises of writes encrypted or waiting for the flush, completed when their ciphertext is written.
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
        unflushed.removeAll()
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
            for (buffer, promise) in writes { enqueue(buffer, promise: promise) }
            if !writes.isEmpty { flush(context: context) }
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
        case .encrypt: enqueue(buffer, promise: promise)
        case .fail: promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    private func enqueue(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        unflushed.append(buffer)
        if let promise { encryptedPromises.append(promise) }
    }

    public func flush(context: ChannelHandlerContext) {
        guard machine.writeRequested() == .encrypt else { return }
        if encryptUnflushed(context: context) { sendOutput(context: context) }
    }

    /// Hands the unflushed plaintext to OpenSSL: small writes coalesced into one record, large
    /// ones passed as they are (OpenSSL splits them into 16 KiB records itself). False on failure,
    /// after which the connection is closing.
    private func encryptUnflushed(context: ChannelHandlerContext) -> Bool {
        guard !unflushed.isEmpty else { return true }
        let total = unflushed.reduce(0) { $0 + $1.readableBytes }
        var chunks = unflushed
        unflushed.removeAll(keepingCapacity: true)
        if chunks.count > 1 && total <= Self.coalesceLimit {
            var joined = context.channel.allocator.buffer(capacity: total)
            for var chunk in chunks { joined.writeBuffer(&chunk) }
            chunks = [joined]
        }
        for chunk in chunks {
            if case .failed(let error) = connection.write(chunk) {
                let promises = encryptedPromises
                encryptedPromises.removeAll()
                promises.forEach { $0.fail(error) }
                context.fireErrorCaught(error)
                context.close(promise: nil)
                return false
            }
        }
        return true
    }

    /// One TLS record's worth of plaintext.
    private static let coalesceLimit = 16_384

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

    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is TLSAbortEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        machine.abort()
        unflushed.removeAll()
        context.close(promise: promise)
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
            _ = encryptUnflushed(context: context)
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

/// Sent outbound (`triggerUserOutboundEvent`) to close a connection without `close_notify`:
/// the peer then sees the response as truncated, which is the truth when a body broke off.
public struct TLSAbortEvent: Sendable {
    public init() {}
}
