import EdgeOrigin
import EdgeTLS
import Glibc
import Logging
import NIOCore
import NIOHTTP1

/// Streams one origin response to the viewer, uncached (HEAD and OPTIONS misses, distributions
/// with caching off, objects over `max_object_size`): the head once S3 has answered, then body parts as
/// they arrive, with flow control (the next parts are asked for when the viewer's writes
/// complete). Error answers from S3 are read, explained in the log, and replaced by a plain
/// status for the viewer. A body that breaks off after the head was sent is never presented as
/// complete: the connection (HTTP/1.1) or stream (HTTP/2) is closed instead of ended.
final class OriginRelay: OriginResponseDelegate {
    enum State {
        /// Waiting for S3's head.
        case awaitingHead
        /// Passing the body through.
        case streaming
        /// Collecting S3's error document (bounded) to explain it.
        case collectingError(status: Int, body: [UInt8])
        /// S3's answer is not passed on (for example an object that is not SSE-KMS).
        case discarding
        case finished
    }

    private let context: ChannelHandlerContext
    private let request: HTTPRequestHead
    private let objectKey: String
    private let route: OriginRoute
    private let extraHeaders: [(String, String)]
    private let logger: Logger
    private let completion: (_ keepAlive: Bool) -> Void
    private var state = State.awaitingHead
    /// Whether the viewer can tell a complete body from a cut one by its framing
    /// (`Content-Length`, or chunked encoding on HTTP/1.1 and later).
    private var bodyIsDelimited = true
    var fetch: OriginFetch?

    /// Error documents are short; more than this is not read into memory.
    static let errorBodyLimit = 16_384

    init(
        context: ChannelHandlerContext, request: HTTPRequestHead, objectKey: String, route: OriginRoute,
        extraHeaders: [(String, String)], logger: Logger, completion: @escaping (_ keepAlive: Bool) -> Void
    ) {
        self.context = context
        self.request = request
        self.objectKey = objectKey
        self.route = route
        self.extraHeaders = extraHeaders
        self.logger = logger
        self.completion = completion
    }

    func originDidReceiveHead(status: Int, headers: [(String, String)]) {
        guard case .awaitingHead = state else { return }
        route.metrics.recordOriginResponse(status: status)
        let named = headers.map { (name: $0.0, value: $0.1) }
        if status >= 300 && status != 304 {
            state = .collectingError(status: status, body: [])
            return
        }
        if (status == 200 || status == 206),
           let problem = S3ResponsePolicy.encryptionProblem(key: objectKey, headers: named, requirement: route.encryption) {
            logger.error("refusing to serve an object", metadata: ["problem": "\(problem)", "bucket": "\(route.bucket)"])
            state = .discarding
            fetch?.cancel()
            respondLocally(status: .badGateway, reason: "the object is not stored as this distribution requires")
            return
        }
        state = .streaming
        bodyIsDelimited = request.version != .http1_0 || named.contains { $0.name.lowercased() == "content-length" }
        var viewerHeaders = HTTPHeaders(S3ResponsePolicy.viewerHeaders(named).map { ($0.name, $0.value) })
        viewerHeaders.replaceOrAdd(name: "Server", value: "s3edge")
        viewerHeaders.replaceOrAdd(name: "Age", value: "0")
        viewerHeaders.replaceOrAdd(name: "X-Cache", value: XCache.miss.rawValue)
        for (name, value) in extraHeaders { viewerHeaders.add(name: name, value: value) }
        if !request.isKeepAlive, request.version.major == 1 { viewerHeaders.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: status), headers: viewerHeaders)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    }

    func originDidReceiveBodyPart(_ buffer: ByteBuffer) {
        switch state {
        case .streaming:
            guard request.method != .HEAD else { return }
            let fetch = fetch
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer)))).assumeIsolated().whenSuccess {
                fetch?.demandMore()
            }
        case .collectingError(let status, var body):
            body += buffer.readableBytesView.prefix(Self.errorBodyLimit - body.count)
            state = .collectingError(status: status, body: body)
            fetch?.demandMore()
        case .awaitingHead, .discarding, .finished:
            break
        }
    }

    func originDidFinish(_ result: Result<Void, OriginError>) {
        if case .failure = result { route.metrics.originErrors.increment() }
        let previous = state
        state = .finished
        switch (previous, result) {
        case (.streaming, .success):
            let keepAlive = request.isKeepAlive
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { [completion] _ in
                completion(keepAlive)
            }
        case (.streaming, .failure(let error)):
            logger.error("origin body broke off; closing the viewer connection so the response is not taken as complete",
                         metadata: ["key": "\(objectKey)", "error": "\(error)"])
            abortViewer()
            completion(false)
        case (.collectingError(let status, let body), _):
            let explanation = S3ErrorExplanation(status: status, body: body, key: objectKey, bucket: route.bucket, region: route.region)
            if status == 404 {
                logger.debug("\(explanation)")  // Viewers asking for missing keys are routine.
            } else {
                logger.warning("\(explanation)", metadata: ["bucket": "\(route.bucket)"])
            }
            respondLocally(status: Self.viewerStatus(forOrigin: status), reason: Self.viewerReason(forOrigin: status))
        case (.awaitingHead, .failure(let error)):
            if case .cancelled = error { return }
            logger.warning("origin request failed", metadata: ["key": "\(objectKey)", "error": "\(error)"])
            respondLocally(status: HTTPResponseStatus(statusCode: error.viewerStatus), reason: "the origin could not be reached (\(error.shortReason))")
        case (.awaitingHead, .success), (.discarding, _), (.finished, _):
            break
        }
    }

    private func abortViewer() {
        context.abortResponse(version: request.version, bodyIsDelimited: bodyIsDelimited)
    }

    /// Ends the fetch without waiting for it (the viewer went away).
    func viewerClosed() {
        if case .finished = state { return }
        state = .finished
        fetch?.cancel()
    }

    private func respondLocally(status: HTTPResponseStatus, reason: String) {
        let keepAlive = request.isKeepAlive
        context.writeViewerResponse(
            .error(status, reason), version: request.version, isHEAD: request.method == .HEAD,
            extraHeaders: [("Age", "0"), ("X-Cache", XCache.error.rawValue)] + extraHeaders, keepAlive: keepAlive
        ).assumeIsolated().whenComplete { [completion] _ in completion(keepAlive) }
    }

    /// What a viewer sees for S3's error statuses: 403 and 404 as they are (plain, no S3 body),
    /// redirects (a misconfigured region) and 5xx as 502 Bad Gateway, 412/416 as they are.
    static func viewerStatus(forOrigin status: Int) -> HTTPResponseStatus {
        switch status {
        case 400, 403, 404, 412, 416: HTTPResponseStatus(statusCode: status)
        case 503: .serviceUnavailable
        default: .badGateway
        }
    }

    static func viewerReason(forOrigin status: Int) -> String {
        switch status {
        case 403: "access denied"
        case 404: "not found"
        case 412: "precondition failed"
        case 416: "range not satisfiable"
        default: "the origin could not serve this request"
        }
    }
}

extension OriginError {
    /// A few words for the viewer's body, without any detail of the origin.
    var shortReason: String {
        switch viewerStatus {
        case 504: "timeout"
        default: "origin error"
        }
    }
}

extension ChannelHandlerContext {
    /// Drops the viewer's connection so that no client can take a partial body as complete:
    /// an HTTP/2 stream is reset; an HTTP/1 connection is closed without TLS `close_notify`, so
    /// the missing length or last chunk shows. A body without any framing (HTTP/1.0, no length)
    /// would end at the close, so that connection is reset instead: clients such as curl ignore
    /// a missing `close_notify`, but not a reset.
    func abortResponse(version: HTTPVersion, bodyIsDelimited: Bool) {
        guard version.major == 1 else {
            close(promise: nil)
            return
        }
        if !bodyIsDelimited, let socket = channel as? any SocketOptionProvider {
            _ = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        triggerUserOutboundEvent(TLSAbortEvent(), promise: nil)
        close(promise: nil)
    }
}
