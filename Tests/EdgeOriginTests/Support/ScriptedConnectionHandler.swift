#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1

/// Serves one connection of `LoopbackHTTPServer`: collects each request, asks the script for a
/// reply and writes it as raw bytes. Requests that arrive while a reply is still being written
/// wait in `pending`.
final class ScriptedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let onRequest: @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var pending: [LoopbackHTTPServer.Request] = []
    private var replying = false
    private var closed = false

    init(onRequest: @escaping @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply) {
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            pending.append(.init(method: head.method.rawValue, uri: head.uri,
                                 headers: head.headers.map { ($0.name, $0.value) }, body: body))
            serveNext(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func serveNext(context: ChannelHandlerContext) {
        guard !replying, !closed, !pending.isEmpty else { return }
        let request = pending.removeFirst()
        replying = true
        let wantsClose = request.header("connection")?.lowercased().contains("close") ?? false
        switch onRequest(request) {
        case .respond(let status, let headers, let body):
            let bodyless = (100..<200).contains(status) || status == 204 || status == 304
            var all = headers
            if wantsClose { all.append(("Connection", "close")) }
            if !bodyless, !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
                all.append(("Content-Length", "\(body.count)"))
            }
            var bytes = Self.head(status: status, headers: all)
            if !bodyless, request.method != "HEAD" { bytes.writeBytes(body) }
            let written = context.writeAndFlush(wrapOutboundOut(bytes))
            if wantsClose {
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                finishReply(context: context)
            }
        case .truncated(let status, let headers, let declaredLength, let body):
            var bytes = Self.head(status: status, headers: headers + [("Content-Length", "\(declaredLength)")])
            bytes.writeBytes(body)
            context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .resetMidBody(let status, let headers, let declaredLength, let body):
            var bytes = Self.head(status: status, headers: headers + [("Content-Length", "\(declaredLength)")])
            bytes.writeBytes(body)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
                Self.reset(channel)
            }
        case .slowBody(let status, let headers, let chunks, let interval):
            let total = chunks.reduce(0) { $0 + $1.count }
            var all = headers + [("Content-Length", "\(total)")]
            if wantsClose { all.append(("Connection", "close")) }
            context.writeAndFlush(wrapOutboundOut(Self.head(status: status, headers: all)), promise: nil)
            writeChunks(chunks[...], every: TimeAmount(interval), context: context, thenClose: wantsClose)
        case .noResponse(let delay):
            if let delay {
                context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                    context.close(promise: nil)
                }
            }
        case .closeImmediately:
            context.close(promise: nil)
        }
    }

    private func writeChunks(_ chunks: ArraySlice<[UInt8]>, every interval: TimeAmount,
                             context: ChannelHandlerContext, thenClose: Bool) {
        guard let chunk = chunks.first else {
            if thenClose { context.close(promise: nil) } else { finishReply(context: context) }
            return
        }
        let next = {
            guard !self.closed else { return }
            let buffer = context.channel.allocator.buffer(bytes: chunk)
            context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { result in
                guard case .success = result else { return }
                self.writeChunks(chunks.dropFirst(), every: interval, context: context, thenClose: thenClose)
            }
        }
        // Always through the loop, so a long run of zero-interval chunks never nests the stack.
        if interval > .zero {
            context.eventLoop.assumeIsolated().scheduleTask(in: interval, next)
        } else {
            context.eventLoop.assumeIsolated().execute(next)
        }
    }

    private func finishReply(context: ChannelHandlerContext) {
        replying = false
        serveNext(context: context)
    }

    private static func head(status: Int, headers: [(String, String)]) -> ByteBuffer {
        let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return ByteBuffer(string: text)
    }

    /// Closing with SO_LINGER {on, 0 s} makes the kernel send RST instead of FIN.
    private static func reset(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension ScriptedConnectionHandler: Sendable {}
