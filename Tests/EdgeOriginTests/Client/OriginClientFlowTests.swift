import EdgeOrigin
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Back-pressure, cancellation and shutdown.
@Suite struct OriginClientFlowTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    /// 256 MiB through a consumer slower than the origin: the client holds at most the buffer
    /// limit plus one curl write, and every byte arrives in order.
    @Test func slowConsumerBoundsTheBytesInFlight() async throws {
        let chunkSize = 256 * 1024
        let chunkCount = 1024
        let chunk = (0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let server = try await LoopbackHTTPServer { _ in
            // 1024 references to one array: the server holds 256 KiB, not 256 MiB.
            .slowBody(status: 200, chunks: Array(repeating: chunk, count: chunkCount), interval: .zero)
        }
        let limit = 512 * 1024
        let client = try OriginClient(configuration: OriginClientConfiguration(bodyBufferLimit: limit))
        var options = ProbeOptions()
        options.demand = .slow(.milliseconds(1))
        options.keepBody = false
        options.verify = { offset, buffer in Self.matches(buffer, at: offset, of: chunk) }
        let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/big"), on: loop, options: options)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.error == nil)
        #expect(outcome.bodyBytes == chunkSize * chunkCount)
        #expect(outcome.bodyIntact)
        let statistics = try #require(outcome.statistics)
        #expect(statistics.peakBytesInFlight <= limit + 16 * 1024)
        #expect(statistics.peakBytesInFlight >= limit)  // the consumer really was the bottleneck
        #expect(statistics.bytesReceived == chunkSize * chunkCount)
        print("back-pressure: peak bytes in flight \(statistics.peakBytesInFlight) with a \(limit)-byte limit")
    }

    @Test func aDelegateThatNeverDemandsStallsAtTheLimit() async throws {
        let chunk = [UInt8](repeating: 3, count: 256 * 1024)
        let server = try await LoopbackHTTPServer { _ in
            .slowBody(status: 200, chunks: Array(repeating: chunk, count: 64), interval: .zero)
        }
        let limit = 256 * 1024
        let client = try OriginClient(configuration: OriginClientConfiguration(bodyBufferLimit: limit))
        var options = ProbeOptions()
        options.demand = .never
        options.keepBody = false
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", timeouts: OriginTimeouts(idle: .milliseconds(100), total: .milliseconds(500))),
            on: loop, options: options)
        client.shutdown()
        try await server.shutdown()

        // Paused transfers are not idle: only the total timeout ends this one.
        #expect(outcome.error == .timeout(phase: .total))
        #expect(outcome.bodyBytes >= limit && outcome.bodyBytes <= limit + 16 * 1024)
    }

    @Test func cancelStopsDelivery() async throws {
        let server = try await LoopbackHTTPServer { _ in
            .slowBody(status: 200, chunks: Array(repeating: [1, 2, 3, 4], count: 50), interval: .milliseconds(10))
        }
        let client = try OriginClient()
        var options = ProbeOptions()
        options.cancelAfterParts = 1
        options.lingerAfterFinish = .milliseconds(100)
        let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop, options: options)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.error == .cancelled)
        #expect(outcome.finishes == 1)
        #expect(outcome.parts == 1)
        #expect(outcome.partsAfterFinish == 0)
    }

    @Test func shutdownEndsRunningAndLaterFetches() async throws {
        let server = try await LoopbackHTTPServer { _ in .noResponse(afterDelay: nil) }
        let client = try OriginClient()
        async let running = client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop)
        while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        client.shutdown()
        let outcome = try await running
        let later = try await client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop)
        try await server.shutdown()

        #expect(outcome.error == .clientShutdown)
        #expect(outcome.error?.viewerStatus == 503)
        #expect(later.error == .clientShutdown)
        #expect(server.requests.count == 1)
    }

    private static func matches(_ buffer: ByteBuffer, at offset: Int, of chunk: [UInt8]) -> Bool {
        buffer.withUnsafeReadableBytes { received in
            chunk.withUnsafeBytes { expected in
                var done = 0
                while done < received.count {
                    let position = (offset + done) % expected.count
                    let length = min(received.count - done, expected.count - position)
                    if memcmp(received.baseAddress! + done, expected.baseAddress! + position, length) != 0 { return false }
                    done += length
                }
                return true
            }
        }
    }
}
