import EdgeTLS
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOTLS
import NIOCore

/// The admin listener's per-connection pipeline: optional TLS (the viewer certificates and
/// policy, `admin.tls`), HTTP/1.1 or, when a TLS client negotiates it, HTTP/2, ending in an
/// `AdminRequestHandler`.
enum AdminPipelines {
    static func configure(_ channel: any Channel, admin: AdminContext, logger: Logger) throws {
        let runtime = admin.slot.current
        guard runtime.configuration.admin.tls else {
            try http1(channel, admin: admin, logger: logger)
            return
        }
        let tls = try TLSServerHandler(context: runtime.tls, handshakeTimeout: TimeAmount(runtime.configuration.tls.handshakeTimeout))
        let alpn = ApplicationProtocolNegotiationHandler { result, channel in
            channel.eventLoop.makeCompletedFuture {
                if case .negotiated("h2") = result {
                    try http2(channel, admin: admin, logger: logger)
                } else {
                    try http1(channel, admin: admin, logger: logger)
                }
            }
        }
        try channel.pipeline.syncOperations.addHandler(tls)
        try channel.pipeline.syncOperations.addHandler(alpn)
    }

    private static func http1(_ channel: any Channel, admin: AdminContext, logger: Logger) throws {
        let limits = admin.slot.current.configuration.limits
        let sync = channel.pipeline.syncOperations
        // A connection that sends nothing for the idle timeout is closed (AdminRequestHandler).
        try sync.addHandler(IdleStateHandler(readTimeout: TimeAmount(limits.idleTimeout)))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderSize
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderSize
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: true,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits
        )
        try sync.addHandler(AdminRequestHandler(admin: admin))
        try sync.addHandler(ConnectionErrorLogger(logger: logger))
    }

    private static func http2(_ channel: any Channel, admin: AdminContext, logger: Logger) throws {
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try sync.addHandler(AdminRequestHandler(admin: admin))
                try sync.addHandler(ConnectionErrorLogger(logger: logger))
            }
        }
        try channel.pipeline.syncOperations.addHandler(ConnectionErrorLogger(logger: logger))
    }
}
