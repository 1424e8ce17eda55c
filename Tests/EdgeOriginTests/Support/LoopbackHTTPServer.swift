import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) whose every reply is scripted by the test.
///
/// Requests are decoded with `NIOHTTP1`; replies are written as raw bytes so that a test can
/// produce faults a well-behaved encoder never would (short bodies, resets, stalls). Requests on
/// one connection are answered one at a time, in order.
final class LoopbackHTTPServer: Sendable {
    /// One request as the server received it.
    struct Request: Sendable {
        let method: String
        let uri: String
        let headers: [(String, String)]
        let body: [UInt8]

        /// The first value of the header `name`, compared case-insensitively.
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return headers.first { $0.0.lowercased() == wanted }?.1
        }
    }

    /// What the server does with one request.
    enum Reply: Sendable {
        /// A complete response. Adds `Content-Length` (unless given, and never for 1xx/204/304);
        /// sends no body to HEAD; keeps the connection alive unless the request said `close`.
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// Announces `Content-Length: declaredLength`, sends only `body`, then closes (FIN).
        case truncated(status: Int, headers: [(String, String)] = [], declaredLength: Int, body: [UInt8])
        /// Announces `Content-Length: declaredLength`, sends `body`, then resets (SO_LINGER 0, RST).
        case resetMidBody(status: Int, headers: [(String, String)] = [], declaredLength: Int, body: [UInt8])
        /// Sends the head at once (with the total `Content-Length`), then one chunk per `interval`.
        /// Each chunk is written only after the previous one reached the socket, so a repeated
        /// chunk serves a huge body in bounded memory.
        case slowBody(status: Int, headers: [(String, String)] = [], chunks: [[UInt8]], interval: Duration)
        /// Never answers. After `afterDelay` the connection is closed; `nil` holds it until shutdown.
        case noResponse(afterDelay: Duration?)
        /// Closes the connection without sending anything.
        case closeImmediately
    }

    private struct Record {
        var requests: [Request] = []
        var connectionCount = 0
    }

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let record: LockedBox<Record>

    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Requests received so far, in arrival order.
    var requests: [Request] { record.current.requests }

    /// TCP connections accepted so far.
    var connectionCount: Int { record.current.connectionCount }

    init(handler: @escaping @Sendable (Request) -> Reply) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = LockedBox(Record())
        let onRequest: @Sendable (Request) -> Reply = { request in
            record.withLock { $0.requests.append(request) }
            return handler(request)
        }
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    record.withLock { $0.connectionCount += 1 }
                    return channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                        try sync.addHandler(ScriptedConnectionHandler(onRequest: onRequest))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            self.group = group
            self.serverChannel = channel
            self.record = record
            self.port = channel.localAddress?.port ?? 0
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening and closes every connection, including ones held by `.noResponse(nil)`.
    func shutdown() async throws {
        try? await serverChannel.close()
        try await group.shutdownGracefully()
    }
}
