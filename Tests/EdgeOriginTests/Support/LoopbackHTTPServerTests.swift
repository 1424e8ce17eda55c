import Testing

/// The scripted server behaves as the origin-client tests rely on.
@Suite struct LoopbackHTTPServerTests {
    @Test func respondsAndRecordsTheRequest() async throws {
        let server = try await LoopbackHTTPServer { request in
            .respond(status: 200, headers: [("ETag", "\"e1\"")], body: Array("hello \(request.uri)".utf8))
        }
        let reply = try await RawHTTPClient.exchange(
            port: server.port,
            sending: ["GET /a/../b?x=1 HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 1\r\nConnection: close\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reply.text.contains("ETag: \"e1\"\r\n"))
        #expect(reply.text.contains("Content-Length: 17\r\n"))
        #expect(reply.text.hasSuffix("\r\n\r\nhello /a/../b?x=1"))
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.uri == "/a/../b?x=1")
        #expect(server.requests.first?.header("x-amz-date") == "1")
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
    }

    @Test func keepsTheConnectionAliveAcrossRequests() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 204) }
        let reply = try await RawHTTPClient.exchange(
            port: server.port,
            sending: ["HEAD /1 HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD /2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.text.components(separatedBy: "HTTP/1.1 204 No Content").count == 3)
        #expect(server.connectionCount == 1)
        #expect(server.requests.map(\.uri) == ["/1", "/2"])
    }

    @Test func truncatedAnnouncesMoreThanItSends() async throws {
        let server = try await LoopbackHTTPServer { _ in .truncated(status: 200, declaredLength: 10, body: [1, 2, 3]) }
        let reply = try await RawHTTPClient.exchange(port: server.port, sending: ["GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.text.contains("Content-Length: 10\r\n"))
        #expect(reply.bytes.suffix(3) == [1, 2, 3])
        #expect(!reply.failed)
    }

    @Test func resetMidBodyEndsInAnError() async throws {
        let server = try await LoopbackHTTPServer { _ in
            .resetMidBody(status: 200, declaredLength: 1000, body: Array(repeating: 7, count: 10))
        }
        let reply = try await RawHTTPClient.exchange(port: server.port, sending: ["GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.failed)
    }

    @Test func slowBodySendsEveryChunk() async throws {
        let chunk = [UInt8](repeating: 42, count: 64 * 1024)
        let server = try await LoopbackHTTPServer { _ in
            .slowBody(status: 200, chunks: Array(repeating: chunk, count: 32), interval: .zero)
        }
        let reply = try await RawHTTPClient.exchange(
            port: server.port, sending: ["GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.text.contains("Content-Length: \(32 * 64 * 1024)\r\n"))
        #expect(reply.bytes.reversed().prefix { $0 == 42 }.count == 32 * 64 * 1024)
    }

    @Test func closeImmediatelySendsNothing() async throws {
        let server = try await LoopbackHTTPServer { _ in .closeImmediately }
        let reply = try await RawHTTPClient.exchange(port: server.port, sending: ["GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.bytes.isEmpty)
        #expect(server.requests.count == 1)
    }

    @Test func noResponseClosesAfterTheDelay() async throws {
        let server = try await LoopbackHTTPServer { _ in .noResponse(afterDelay: .milliseconds(50)) }
        let start = ContinuousClock.now
        let reply = try await RawHTTPClient.exchange(port: server.port, sending: ["GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        try await server.shutdown()

        #expect(reply.bytes.isEmpty)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }
}
