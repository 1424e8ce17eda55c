import NIOCore
import NIOHTTP1

/// Answers requests the HTTP/1.1 decoder refused, then lets the decoder close the connection:
/// `431` when the head is over `limits.max_header_size`, `400` for anything else malformed
/// (`Content-Length` with `Transfer-Encoding`, bad chunk sizes, invalid characters). As NIO's
/// own protocol error handler, it answers only when no response is under way.
final class ViewerProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let maxHeaderSize: Int
    private var responseInProgress = false

    init(maxHeaderSize: Int) {
        self.maxHeaderSize = maxHeaderSize
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !responseInProgress {
            let (status, reason): (HTTPResponseStatus, String) = parserError == .headerOverflow
                ? (.requestHeaderFieldsTooLarge, "request headers exceed \(maxHeaderSize) bytes")
                : (.badRequest, "malformed request (\(parserError))")
            let body = "s3edge: \(reason)\n"
            let head = HTTPResponseHead(version: .http1_1, status: status, headers: [
                "Server": "s3edge", "Date": HTTPDate.now(), "Content-Type": "text/plain; charset=utf-8",
                "Content-Length": String(body.utf8.count), "Connection": "close",
            ])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responseInProgress = true
        case .end: responseInProgress = false
        case .head, .body: break
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension ViewerProtocolErrorHandler: Sendable {}
