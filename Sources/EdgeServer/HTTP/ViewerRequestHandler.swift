import EdgeCache
import EdgeConfig
import EdgeOrigin
import EdgeSignedURL
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Answers one connection's (HTTP/1.1) or one stream's (HTTP/2) requests: routing decisions come
/// from `ViewerRouter`; GET and HEAD go through the edge cache (`CacheResponder`: a stored entry,
/// or a `CacheFill` shared by every viewer of a key), everything else, and distributions with
/// caching off, straight to the origin through an `OriginRelay`.
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
    private var responder: CacheResponder?
    private var viewerAddress: IPAddress?
    /// Grants given on this connection (shared by an HTTP/2 connection's streams, all on its loop).
    private let signedRequests: SignedRequestMemo

    init(runtime: EdgeRuntime, listener: Listener, framing: Framing, signedRequests: SignedRequestMemo = SignedRequestMemo(),
         logger: Logger) {
        self.runtime = runtime
        self.signedRequests = signedRequests
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
        responder?.viewerClosed()
        responder = nil
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
        case .origin(let distribution, let choice):
            guard let route = runtime.routes[distribution.id] else {
                return answer(ViewerRouter.noOrigin(distribution), to: head, context: context)
            }
            fetch(head, route: route, behavior: choice, context: context)
        }
    }

    private func fetch(
        _ head: HTTPRequestHead, route: OriginRoute, behavior: ViewerRouter.BehaviorChoice, context: ChannelHandlerContext
    ) {
        var target = ViewerRouter.path(of: head) ?? head.uri
        if behavior.behavior.restrictViewerAccess {
            guard let signedTarget = verifySignature(head, target: target, distributionID: route.distributionID, context: context) else {
                return answer(.error(.forbidden, "access denied: this path needs a valid signed URL or signed cookies"),
                              to: head, context: context)
            }
            target = signedTarget
        }
        // Without its data key (KMS not answering yet) the cache is off: straight to the origin.
        if let policy = route.cachePolicy(behavior: behavior.index), head.method == .GET || head.method == .HEAD,
           runtime.cache.isAvailable {
            return serveThroughCache(head, target: target, route: route, policy: policy, context: context)
        }
        relay(head, target: target, route: route, context: context)
    }

    /// A restricted behavior: the request must carry a CloudFront signed URL or signed cookies
    /// made with one of the distribution's trusted keys. Returns the target without the signing
    /// parameters (they never reach the cache key or the origin, so one cached object serves
    /// every valid signature), or nil after logging why it was refused (never the signature).
    private func verifySignature(
        _ head: HTTPRequestHead, target: String, distributionID: String, context: ChannelHandlerContext
    ) -> String? {
        guard let keys = runtime.trustedKeys[distributionID] else {
            logger.warning("restricted path refused: the distribution has no trusted_keys", metadata: [
                "distribution": "\(distributionID)", "path": "\(AccessLogRecord.splitTarget(target).uriStem)",
            ])
            return nil
        }
        let scheme = if case .https = listener { "https" } else { "http" }
        let result = SignedRequestVerifier.verify(
            scheme: scheme, host: head.headers.first(name: "host") ?? "", target: target, cookieHeaders: head.headers["cookie"],
            clientIP: clientIP(context), now: Int64(time(nil)), keys: keys, memo: signedRequests
        )
        switch result {
        case .success(let grant):
            return grant.target
        case .failure(let denial):
            logger.info("restricted path refused", metadata: [
                "distribution": "\(distributionID)", "path": "\(AccessLogRecord.splitTarget(target).uriStem)", "reason": "\(denial)",
                "client": "\(context.channel.remoteAddress?.ipAddress ?? "?")",
            ])
            return nil
        }
    }

    /// The viewer's address for a policy's `IpAddress`, read once per handler (a connection's
    /// requests in HTTP/1.1; one stream in HTTP/2) straight from the socket address.
    private func clientIP(_ context: ChannelHandlerContext) -> IPAddress? {
        if let viewerAddress { return viewerAddress }
        viewerAddress = context.channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        return viewerAddress
    }

    /// Straight to the origin, uncached, with the viewer's range and conditional headers.
    private func relay(_ head: HTTPRequestHead, target: String, route: OriginRoute, context: ChannelHandlerContext) {
        let viewerHeaders = head.headers.map { (name: $0.name, value: $0.value) }
        switch route.decide(method: head.method.rawValue, target: target, headers: viewerHeaders) {
        case .answer(let status, let reason):
            answerWithoutOrigin(status: status, reason: reason, to: head, context: context)
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

    private func answerWithoutOrigin(status: Int, reason: String, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        logger.debug("answered without the origin", metadata: ["status": "\(status)", "reason": "\(reason)"])
        var response = ViewerResponse.error(HTTPResponseStatus(statusCode: status), reason)
        response.headers = [("Age", "0"), ("X-Cache", XCache.error.rawValue)]
        answer(response, to: head, context: context)
    }

    /// GET and HEAD: a fresh stored entry is served without the origin; a stale one inside its
    /// `stale-while-revalidate` window too, with one background revalidation; otherwise the
    /// request joins (or starts) the key's fill, conditional when there is an entry to revalidate.
    /// HEAD misses go to the origin as HEAD, uncached, unless a fill of the key is running.
    private func serveThroughCache(
        _ head: HTTPRequestHead, target: String, route: OriginRoute, policy: CachePolicy, context: ChannelHandlerContext
    ) {
        let cache = runtime.cache
        let key = CacheKey(
            host: ViewerRouter.host(of: head)?.authorityName ?? "", target: target, headers: head.headers,
            policy: policy, hasher: ViewerCache.keyHasher
        )
        let responder = CacheResponder(
            context: context, request: head, extraHeaders: extraHeaders, cache: cache, logger: logger,
            completion: { [weak self] keepAlive in
                self?.responder = nil
                self?.finished(keepAlive: keepAlive, context: context)
            },
            passThrough: { [weak self] in
                self?.responder = nil
                self?.relay(head, target: target, route: route, context: context)
            }
        )
        self.responder = responder
        // A fill that commits between this request's lookup and its look for running fills is in
        // neither: the request then looks once more (`fillsEnded`) rather than fetch again.
        for attempt in 0..<2 {
            let fillsEnded = cache.fillsEnded.load(ordering: .acquiring)
            var revalidation: StoredObject?
            if let stored = cache.lookup(key.bytes, distributionID: route.distributionID, on: context.eventLoop) {
                switch stored.meta.freshness(at: .now()) {
                case .fresh:
                    cache.recordHit(stored.entry)
                    return responder.serveStored(stored, xCache: .hit)
                case .stale(canServeWhileRevalidating: true, _):
                    cache.recordHit(stored.entry)
                    startFill(head, key: key.bytes, target: target, route: route, policy: policy, revalidation: stored,
                              joining: nil, context: context)
                    return responder.serveStored(stored, xCache: .hit)
                case .stale, .mustRevalidate:
                    revalidation = stored
                }
            }
            let started = startFill(
                head, key: key.bytes, target: target, route: route, policy: policy, revalidation: revalidation,
                joining: responder, fillsEndedAtLookup: attempt == 0 ? fillsEnded : nil, context: context
            )
            if started { return }
        }
    }

    /// Joins the key's fill, or starts one (without a viewer for a background revalidation).
    ///
    /// With `fillsEndedAtLookup`, returns false without doing anything when no fill of the key
    /// is running but some fill left the registry since the caller's lookup (it may be this
    /// key's, just committed): the caller looks the key up again.
    @discardableResult
    private func startFill(
        _ head: HTTPRequestHead, key: [UInt8], target: String, route: OriginRoute, policy: CachePolicy, revalidation: StoredObject?,
        joining responder: CacheResponder?, fillsEndedAtLookup: UInt64? = nil, context: ChannelHandlerContext
    ) -> Bool {
        let query = target.firstIndex(of: "?").map { target[target.index(after: $0)...] } ?? ""
        let decision = route.decide(
            method: "GET", target: target, headers: revalidation?.meta.conditionalRequestHeaders ?? [],
            query: S3QueryForwarding(policy.queryStrings).select(rawQuery: query)
        )
        guard case .fetch(let objectRequest) = decision else {
            if case .answer(let status, let reason) = decision, let responder {
                responder.viewerClosed()
                self.responder = nil
                answerWithoutOrigin(status: status, reason: reason, to: head, context: context)
            }
            return true
        }
        let cache = runtime.cache
        let logger = logger
        let outcome = cache.fills.withLock { fills -> FillJoin in
            if let existing = fills[key] {
                guard let responder else { return .alreadyRunning }
                // A HEAD joins a running fill (it has or will have the head, and its body may be
                // about to become a hit) rather than ask the origin again.
                switch existing.join(responder) {
                case .refused: return .busy
                case .joined: return .joined(existing, complete: false)
                case .joinedComplete: return .joined(existing, complete: true)
                }
            }
            if let fillsEndedAtLookup, cache.fillsEnded.load(ordering: .relaxed) != fillsEndedAtLookup {
                return .lookAgain
            }
            // A HEAD miss with nothing to revalidate goes to the origin as HEAD, uncached: a
            // fill would download the whole body to answer it.
            if head.method == .HEAD && revalidation == nil { return .headWithoutFill }
            let fill = CacheFill(
                key: key, eventLoop: context.eventLoop, cache: cache, route: route, policy: policy,
                objectKey: objectRequest.key, revalidation: revalidation, logger: logger
            )
            if let responder { _ = fill.join(responder) }  // A new fill takes every joiner.
            fills[key] = fill
            return .started(fill)
        }
        switch outcome {
        case .started(let fill):
            let method = OriginMethod(rawValue: objectRequest.method) ?? .get
            fill.start(OriginRequest(
                method: method, url: objectRequest.url, headers: objectRequest.headers.map { ($0.name, $0.value) },
                timeouts: route.timeouts
            ))
            responder?.follow(fill)
        case .joined(let fill, let complete):
            responder?.follow(fill, complete: complete)
        case .busy, .headWithoutFill:
            responder?.passThroughNow()
        case .alreadyRunning:
            break
        case .lookAgain:
            return false
        }
        return true
    }

    private enum FillJoin {
        case started(CacheFill)
        case joined(CacheFill, complete: Bool)
        /// A fill too far along to replay runs for the key: stream this one uncached.
        case busy
        /// A background revalidation found a fill already running.
        case alreadyRunning
        /// A HEAD miss and no fill running: it goes to the origin as HEAD.
        case headWithoutFill
        /// No fill running, but one ended since the lookup: look the key up again.
        case lookAgain
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
