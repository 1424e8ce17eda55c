import EdgeConfig
import EdgeTLS
import EdgeSignedURL
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOTLS

/// The process-wide observers every viewer pipeline reports to.
public struct Observability: Sendable {
    public let metrics: EdgeMetrics
    /// nil when `access_log.path` is off.
    public let accessLog: AccessLogWriter?

    public init(metrics: EdgeMetrics, accessLog: AccessLogWriter?) {
        self.metrics = metrics
        self.accessLog = accessLog
    }
}

/// Builds the per-connection pipelines of the viewer listeners.
enum ViewerPipelines {
    /// HTTPS: TLS, then HTTP/2 or HTTP/1.1 by ALPN, each ending in a `ViewerRequestHandler`.
    static func https(_ channel: any Channel, runtime: EdgeRuntime, observability: Observability, logger: Logger) throws {
        let configuration = runtime.configuration
        let tls = try TLSServerHandler(context: runtime.tls, handshakeTimeout: TimeAmount(configuration.tls.handshakeTimeout))
        let hsts = configuration.viewer.hsts?.headerValue
        let alpn = ApplicationProtocolNegotiationHandler { [tls] result, channel in
            channel.eventLoop.makeCompletedFuture {
                let session = tls.session
                let facts = ConnectionFacts(
                    remote: channel.remoteAddress, scheme: .https, sslProtocol: session?.protocolVersion, sslCipher: session?.cipher)
                if let session { observability.metrics.recordHandshake(version: session.protocolVersion) }
                switch result {
                case .negotiated("h2"):
                    try http2(channel, runtime: runtime, hsts: hsts, observability: observability, facts: facts, logger: logger)
                default:
                    try http1(channel, runtime: runtime, listener: .https(hsts: hsts), observability: observability, facts: facts, logger: logger)
                }
                try channel.pipeline.syncOperations.addHandler(ConnectionErrorLogger(logger: logger))
            }
        }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(tls)
        try sync.addHandler(alpn)
    }

    /// Plain HTTP: redirect (or refuse, or serve) under the viewer protocol policy.
    static func http(_ channel: any Channel, runtime: EdgeRuntime, observability: Observability, logger: Logger) throws {
        let facts = ConnectionFacts(remote: channel.remoteAddress, scheme: .http)
        try http1(channel, runtime: runtime, listener: .http, observability: observability, facts: facts, logger: logger)
        try channel.pipeline.syncOperations.addHandler(ConnectionErrorLogger(logger: logger))
    }

    private static func http1(
        _ channel: any Channel, runtime: EdgeRuntime, listener: ViewerRequestHandler.Listener,
        observability: Observability, facts: ConnectionFacts, logger: Logger
    ) throws {
        let limits = runtime.configuration.limits
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(HTTP1RequestGuard(
            maxHeaderSize: limits.maxHeaderSize,
            headerTimeout: TimeAmount(limits.headerTimeout),
            idleTimeout: TimeAmount(limits.idleTimeout)
        ))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderSize
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderSize
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: false,
            // Every header field s3edge sends is either its own or an origin field validated
            // once on arrival (S3ResponsePolicy.viewerHeaders); hits skip a second pass.
            withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits
        )
        try sync.addHandler(ViewerProtocolErrorHandler(maxHeaderSize: limits.maxHeaderSize))
        try sync.addHandler(ViewerRequestObserver(
            metrics: observability.metrics, accessLog: observability.accessLog, configuration: runtime.configuration,
            facts: facts, http2: false))
        try sync.addHandler(ViewerRequestHandler(runtime: runtime, listener: listener, framing: .http1, logger: logger))
    }

    private static func http2(
        _ channel: any Channel, runtime: EdgeRuntime, hsts: String?, observability: Observability, facts: ConnectionFacts,
        logger: Logger
    ) throws {
        let limits = runtime.configuration.limits
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: limits.http2MaxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxHeaderSize),
            HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
        ]
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: TimeAmount(limits.idleTimeout),
                maxAge: nil,
                maxGraceTime: TimeAmount(limits.drainTimeout),
                keepalive: nil
            )
        )
        // The connection's signed-URL grants, shared by its streams (all on the channel's loop).
        let signedRequests = NIOLoopBound(SignedRequestMemo(), eventLoop: channel.eventLoop)
        let sync = channel.pipeline.syncOperations
        _ = try sync.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: connection,
            streamConfiguration: .init(),
            streamDelegate: management.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let streamSync = stream.pipeline.syncOperations
                try streamSync.addHandler(HTTP2AuthorityCheck())
                try streamSync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try streamSync.addHandler(ViewerRequestObserver(
                    metrics: observability.metrics, accessLog: observability.accessLog, configuration: runtime.configuration,
                    facts: facts, http2: true))
                try streamSync.addHandler(ViewerRequestHandler(
                    runtime: runtime,
                    listener: .https(hsts: hsts),
                    framing: .http2(maxHeaderSize: limits.maxHeaderSize),
                    signedRequests: signedRequests.value,
                    logger: logger
                ))
                // A stream whose request cannot be decoded is reset rather than left hanging.
                try streamSync.addHandler(ConnectionErrorLogger(logger: logger))
            }
        }
        try sync.addHandler(management)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(duration.nanoseconds)
    }
}

/// Last handler of a connection: logs what went wrong at debug level (viewers misbehave all the
/// time; that is not the operator's problem) and closes.
final class ConnectionErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Any
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("viewer connection error", metadata: [
            "error": "\(error)", "peer": "\(context.remoteAddress?.description ?? "?")",
        ])
        context.close(promise: nil)
    }
}
