import NIOCore
import NIOHPACK
import NIOHTTP2

/// Refuses HTTP/2 requests whose target host is ambiguous, before the HTTP/1 conversion hides
/// it: no `:authority` and no `host`, or a `host` that differs from `:authority` (malformed,
/// RFC 9113 §8.3.1). Routing by one and caching by the other would let a client mix
/// distributions. The answer is `400` on that stream only.
final class HTTP2AuthorityCheck: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        if case .headers(let headers) = unwrapInboundIn(data), let reason = Self.problem(headers.headers) {
            refused = true
            let body = "s3edge: \(reason)\n"
            let response: HPACKHeaders = [
                ":status": "400", "server": "s3edge", "content-type": "text/plain; charset=utf-8",
                "content-length": String(body.utf8.count),
            ]
            context.write(wrapOutboundOut(.headers(.init(headers: response))), promise: nil)
            let payload = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(context.channel.allocator.buffer(string: body)), endStream: true))
            context.writeAndFlush(wrapOutboundOut(payload), promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    static func problem(_ headers: HPACKHeaders) -> String? {
        // Trailers and responses carry no :method; only request heads are checked.
        guard headers.contains(name: ":method") else { return nil }
        let authority = headers.first(name: ":authority")
        let hosts = headers[canonicalForm: "host"]
        switch (authority, hosts.first) {
        case (nil, nil):
            return "the request has neither :authority nor host"
        case (let authority?, _) where hosts.contains(where: { $0.lowercased() != authority.lowercased() }):
            return "host differs from :authority"
        default:
            return nil
        }
    }
}

@available(*, unavailable)
extension HTTP2AuthorityCheck: Sendable {}
