import EdgeConfig
import EdgeOrigin
import Logging
import NIOCore
import NIOHTTP1

/// Answers one connection's (HTTP/1.1) or one stream's (HTTP/2) requests: routing decisions come
/// from `ViewerRouter`, objects from the distribution's origin through an `OriginRelay`.
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

    private let runtime: EdgeRuntime
    private let router: ViewerRouter
    private let listener: Listener
    private let framing: Framing
    private let logger: Logger
    private var request: HTTPRequestHead?
    private var relay: OriginRelay?

    init(runtime: EdgeRuntime, listener: Listener, framing: Framing, logger: Logger) {
        self.runtime = runtime
        self.router = ViewerRouter(configuration: runtime.configuration)
        self.listener = listener
        self.framing = framing
        self.logger = logger
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

    func channelInactive(context: ChannelHandlerContext) {
        relay?.viewerClosed()
        relay = nil
        context.fireChannelInactive()
    }

    private var extraHeaders: [(String, String)] {
        if case .https(let hsts?) = listener { [("Strict-Transport-Security", hsts)] } else { [] }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        if case .http2(let limit) = framing, ViewerRouter.headerSize(head) > limit {
            return answer(.error(.requestHeaderFieldsTooLarge, "request headers exceed \(limit) bytes"), to: head, context: context)
        }
        if case .http = listener, let response = router.plainHTTP(head) {
            return answer(response, to: head, context: context)
        }
        switch router.https(head) {
        case .respond(let response):
            answer(response, to: head, context: context)
        case .origin(let distribution):
            guard let route = runtime.routes[distribution.id] else {
                return answer(ViewerRouter.noOrigin(distribution), to: head, context: context)
            }
            fetch(head, route: route, context: context)
        }
    }

    private func fetch(_ head: HTTPRequestHead, route: OriginRoute, context: ChannelHandlerContext) {
        let viewerHeaders = head.headers.map { (name: $0.name, value: $0.value) }
        let target = ViewerRouter.path(of: head) ?? head.uri
        switch route.decide(method: head.method.rawValue, target: target, headers: viewerHeaders) {
        case .answer(let status, let reason):
            logger.debug("answered without the origin", metadata: ["status": "\(status)", "reason": "\(reason)"])
            answer(.error(HTTPResponseStatus(statusCode: status), reason), to: head, context: context)
        case .fetch(let objectRequest):
            let relay = OriginRelay(
                context: context, request: head, objectKey: objectRequest.key, route: route,
                extraHeaders: extraHeaders, logger: logger
            ) { [weak self] keepAlive in
                self?.relay = nil
                self?.finished(keepAlive: keepAlive, context: context)
            }
            self.relay = relay
            let method = OriginMethod(rawValue: objectRequest.method) ?? .get
            let originRequest = OriginRequest(
                method: method, url: objectRequest.url, headers: objectRequest.headers.map { ($0.name, $0.value) },
                timeouts: route.timeouts
            )
            relay.fetch = route.client.execute(originRequest, on: context.eventLoop, delegate: relay)
        }
    }

    private func answer(_ response: ViewerResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive && !response.closeConnection
        let written = context.writeViewerResponse(
            response, version: head.version, isHEAD: head.method == .HEAD, extraHeaders: extraHeaders, keepAlive: keepAlive
        )
        // Only HTTP/1.1 has anything to do once the response is out (guard timers, close).
        guard case .http1 = framing else { return }
        written.assumeIsolated().whenComplete { [weak self] _ in
            self?.finished(keepAlive: keepAlive, context: context)
        }
    }

    /// The response has been written: let the guard start its idle timer, or close.
    private func finished(keepAlive: Bool, context: ChannelHandlerContext) {
        guard case .http1 = framing else { return }
        context.triggerUserOutboundEvent(HTTP1RequestGuard.Event.responseCompleted, promise: nil)
        if !keepAlive { context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension ViewerRequestHandler: Sendable {}
