import EdgeConfig
import NIOCore
import NIOHTTP1
import Synchronization

/// What every request of one viewer connection shares in the access log: who, and over what.
final class ConnectionFacts: Sendable {
    let clientIP: String
    let clientPort: Int?
    let scheme: AccessLogRecord.ViewerProtocol
    let sslProtocol: String?
    let sslCipher: String?

    init(remote: SocketAddress?, scheme: AccessLogRecord.ViewerProtocol, sslProtocol: String? = nil, sslCipher: String? = nil) {
        clientIP = remote?.ipAddress ?? "-"
        clientPort = remote?.port
        self.scheme = scheme
        self.sslProtocol = sslProtocol
        self.sslCipher = sslCipher
    }
}

/// Sits between the HTTP codec and `ViewerRequestHandler` and sees each request's head and its
/// response's parts go by: counts them in `EdgeMetrics` and, when `access_log` is on, writes one
/// line per request. It changes nothing it sees. Requests of one HTTP/1.1 connection come one at
/// a time (the pipelining handler holds the next until the response ends); HTTP/2 has one
/// observer per stream.
final class ViewerRequestObserver: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: EdgeMetrics
    private let accessLog: AccessLogWriter?
    private let configuration: EdgeConfiguration
    private let facts: ConnectionFacts
    private let protocolName: String
    private var current: InFlight?

    private struct InFlight {
        var head: HTTPRequestHead
        var startedWall: Int64
        var started: NIODeadline
        var status = 0
        var result: AccessLogRecord.ResultType?
        var firstByte: NIODeadline?
        var headBytes = 0
        var bodyBytes = 0
        var contentType: String?
        var contentLength: Int?
        var contentRange: String?
    }

    init(metrics: EdgeMetrics, accessLog: AccessLogWriter?, configuration: EdgeConfiguration, facts: ConnectionFacts, http2: Bool) {
        self.metrics = metrics
        self.accessLog = accessLog
        self.configuration = configuration
        self.facts = facts
        protocolName = http2 ? "h2" : "h1"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            current = InFlight(
                head: head, startedWall: accessLog == nil ? 0 : AccessLogRecord.currentTime(), started: .now())
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            current?.status = Int(head.status.code)
            current?.firstByte = .now()
            current?.result = Self.resultType(head)
            if accessLog != nil {
                current?.headBytes = Self.encodedSize(head)
                current?.contentType = head.headers.first(name: "content-type")
                current?.contentLength = head.headers.first(name: "content-length").flatMap { Int($0) }
                current?.contentRange = head.headers.first(name: "content-range")
            }
        case .body(let body):
            current?.bodyBytes += body.readableBytes
        case .end:
            finish(aborted: false)
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(aborted: true)
        context.fireChannelInactive()
    }

    private func finish(aborted: Bool) {
        guard let request = current else { return }
        current = nil
        let result = aborted ? .error : (request.result ?? .miss)
        let elapsed = NIODeadline.now() - request.started
        metrics.recordRequest(
            status: request.status, result: result.rawValue, protocolName: protocolName,
            bytes: request.bodyBytes, duration: .nanoseconds(elapsed.nanoseconds)
        )
        guard let accessLog else { return }
        let head = request.head
        let (stem, query) = AccessLogRecord.splitTarget(head.uri)
        let host = head.headers.first(name: "host")
        let range = request.contentRange.flatMap(Self.rangeBounds)
        accessLog.log(AccessLogRecord(
            startTime: request.startedWall, edgeLocation: AccessLogRecord.defaultEdgeLocationCached,
            bytesSent: request.headBytes + request.bodyBytes, clientIP: facts.clientIP, clientPort: facts.clientPort,
            method: head.method.rawValue, host: host, uriStem: stem, status: request.status,
            referer: head.headers.first(name: "referer"), userAgent: head.headers.first(name: "user-agent"),
            uriQuery: query, cookie: configuration.accessLog.logCookies ? head.headers.first(name: "cookie") : nil,
            edgeResultType: result, requestID: Self.requestID(), hostHeader: host, protocol: facts.scheme,
            requestBytes: Self.encodedSize(head), timeTaken: .nanoseconds(elapsed.nanoseconds),
            forwardedFor: head.headers.first(name: "x-forwarded-for"),
            sslProtocol: facts.sslProtocol, sslCipher: facts.sslCipher, edgeResponseResultType: result,
            protocolVersion: protocolName == "h2" ? .http2 : (head.version.minor == 0 ? .http1_0 : .http1_1),
            timeToFirstByte: request.firstByte.map { .nanoseconds(($0 - request.started).nanoseconds) },
            edgeDetailedResultType: aborted ? "ClientCommError" : result.rawValue,
            contentType: request.contentType, contentLength: request.contentLength,
            rangeStart: range?.start, rangeEnd: range?.end,
            distributionID: host.flatMap { configuration.distribution(forHost: Self.hostWithoutPort($0))?.id }
        ))
    }

    /// CloudFront's result type from s3edge's `X-Cache` (set on every cached or relayed answer);
    /// answers without one are s3edge's own: redirects, or errors.
    static func resultType(_ head: HTTPResponseHead) -> AccessLogRecord.ResultType? {
        if let xCache = head.headers.first(name: "x-cache") {
            if xCache.hasPrefix("Hit") { return .hit }
            if xCache.hasPrefix("RefreshHit") { return .refreshHit }
            if xCache.hasPrefix("Miss") { return .miss }
            return .error
        }
        switch head.status.code {
        case 300..<400: return .redirect
        case 400...: return .error
        default: return .miss
        }
    }

    /// The size of a head on the wire in HTTP/1.1 (request line or status line, fields, CRLFs).
    static func encodedSize(_ head: HTTPResponseHead) -> Int {
        head.headers.reduce(17 + head.status.reasonPhrase.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 } + 2
    }

    static func encodedSize(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.method.rawValue.utf8.count + head.uri.utf8.count + 12) {
            $0 + $1.name.utf8.count + $1.value.utf8.count + 4
        } + 2
    }

    /// `bytes 0-99/1000` → (0, 99).
    static func rangeBounds(_ contentRange: String) -> (start: Int, end: Int)? {
        guard contentRange.hasPrefix("bytes "), let dash = contentRange.firstIndex(of: "-"),
            let slash = contentRange.firstIndex(of: "/"), dash < slash,
            let start = Int(contentRange[contentRange.index(contentRange.startIndex, offsetBy: 6)..<dash]),
            let end = Int(contentRange[contentRange.index(after: dash)..<slash])
        else { return nil }
        return (start, end)
    }

    static func hostWithoutPort(_ host: String) -> Substring {
        if host.hasPrefix("[") { return host.split(separator: "]").first.map { $0 + "]" }.map(Substring.init) ?? Substring(host) }
        return host.split(separator: ":", maxSplits: 1).first ?? Substring(host)
    }

    private static let bootNonce = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    /// Unique per process run: a random prefix chosen at start and a counter.
    private static func requestID() -> String {
        RequestIDCounter.next(prefix: bootNonce)
    }
}

enum RequestIDCounter {
    private static let value = Atomic<UInt64>(0)

    static func next(prefix: String) -> String {
        "\(prefix)-\(String(value.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36))"
    }
}

extension AccessLogRecord {
    /// The host name, read once.
    static let defaultEdgeLocationCached = defaultEdgeLocation()
}
