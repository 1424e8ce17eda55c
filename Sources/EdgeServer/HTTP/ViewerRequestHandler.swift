import EdgeConfig
import NIOCore
import NIOHTTP1

/// Answers one connection's (HTTP/1.1) or one stream's (HTTP/2) requests. For now every answer
/// comes from `ViewerRouter`; the origin and the cache plug in here.
final class ViewerRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum Listener {
        /// Viewer HTTPS; `hsts` is the header value to add, when configured.
        case https(hsts: String?)
        /// Plain HTTP, under the viewer protocol policy.
        case http
    }

    enum Framing {
        /// One connection, requests in turn; the guard in front of the codec is told when a
        /// head arrives and a response ends (header and idle timeouts).
        case http1
        /// One stream of a multiplexed connection.
        case http2(maxHeaderSize: Int)
    }

    private let router: ViewerRouter
    private let listener: Listener
    private let framing: Framing
    private var request: HTTPRequestHead?

    init(configuration: EdgeConfiguration, listener: Listener, framing: Framing) {
        self.router = ViewerRouter(configuration: configuration)
        self.listener = listener
        self.framing = framing
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            if case .http1 = framing {
                context.triggerUserOutboundEvent(HTTP1RequestGuard.Event.requestHeadReceived, promise: nil)
            }
        case .body:
            break  // No method we serve takes a body; it is read and dropped.
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var response: ViewerResponse
        var extra: [(String, String)] = []
        switch listener {
        case .https(let hsts):
            response = router.https(head)
            if let hsts { extra.append(("Strict-Transport-Security", hsts)) }
        case .http:
            response = router.plainHTTP(head) ?? router.https(head)
        }
        if case .http2(let limit) = framing, ViewerRouter.headerSize(head) > limit {
            response = .error(.requestHeaderFieldsTooLarge, "request headers exceed \(limit) bytes")
        }
        let keepAlive = head.isKeepAlive && !response.closeConnection
        let written = context.writeViewerResponse(
            response, version: head.version, isHEAD: head.method == .HEAD, extraHeaders: extra, keepAlive: keepAlive
        )
        guard case .http1 = framing else { return }
        context.triggerUserOutboundEvent(HTTP1RequestGuard.Event.responseCompleted, promise: nil)
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension ViewerRequestHandler: Sendable {}
