import NIOCore
import NIOHTTP1

/// A complete, small response decided without I/O: what status, headers and text a viewer gets,
/// and whether the connection must close after it.
struct ViewerResponse: Equatable {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: String
    var closeConnection = false

    static func == (lhs: ViewerResponse, rhs: ViewerResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.closeConnection == rhs.closeConnection
            && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 }
    }

    /// `s3edge: <reason>` bodies tell the viewer (and the operator reading curl output) what happened.
    static func error(_ status: HTTPResponseStatus, _ reason: String, close: Bool = false) -> ViewerResponse {
        ViewerResponse(status: status, body: "s3edge: \(reason)\n", closeConnection: close)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

extension ChannelHandlerContext {
    /// Writes `response` as head, body and end; HEAD requests get the head only (with the
    /// length the body would have had).
    func writeViewerResponse(
        _ response: ViewerResponse,
        version: HTTPVersion,
        isHEAD: Bool,
        extraHeaders: [(String, String)] = [],
        keepAlive: Bool
    ) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders()
        headers.reserveCapacity(8 + response.headers.count)
        headers.add(name: "Server", value: "s3edge")
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(response.body.utf8.count))
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if version.major == 1 && !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !isHEAD && !response.body.isEmpty {
            let body = channel.allocator.buffer(string: response.body)
            write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        return writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
    }
}
