import NIOCore
import NIOPosix

/// A byte-level TCP client for testing `LoopbackHTTPServer` itself: sends raw request bytes and
/// collects everything the server sends until it closes, or until `expectedBytes` arrived.
enum RawHTTPClient {
    struct Exchange {
        var bytes: [UInt8] = []
        /// True when the connection ended with an error (such as a reset) instead of a clean close.
        var failed = false
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    static func exchange(port: Int, sending requests: [String], expectedBytes: Int? = nil) async throws -> Exchange {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            for request in requests { try await outbound.write(ByteBuffer(string: request)) }
            var exchange = Exchange()
            do {
                for try await buffer in inbound {
                    exchange.bytes.append(contentsOf: buffer.readableBytesView)
                    if let expectedBytes, exchange.bytes.count >= expectedBytes { break }
                }
            } catch {
                exchange.failed = true
            }
            return exchange
        }
    }
}
