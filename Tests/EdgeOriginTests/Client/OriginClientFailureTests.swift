import EdgeOrigin
import NIOCore
import NIOPosix
import Testing

/// Broken, slow and absent origins end in the right error, never in a false success.
@Suite struct OriginClientFailureTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    @Test func shortBodyIsTruncatedAndNotRetried() async throws {
        let server = try await LoopbackHTTPServer { _ in .truncated(status: 200, declaredLength: 1000, body: Array(repeating: 9, count: 10)) }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.heads.count == 1)
        #expect(outcome.error == .truncated(expected: 1000, received: 10))
        #expect(outcome.error?.viewerStatus == 502)
        #expect(server.requests.count == 1)
    }

    @Test func resetMidBodyFails() async throws {
        let server = try await LoopbackHTTPServer { _ in
            .resetMidBody(status: 200, declaredLength: 1 << 20, body: Array(repeating: 9, count: 64 * 1024))
        }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        switch outcome.error {
        case .reset?, .truncated?: break
        default: Issue.record("expected reset or truncated, got \(String(describing: outcome.result))")
        }
        #expect(outcome.error?.viewerStatus == 502)
        #expect(outcome.bodyBytes < 1 << 20)
    }

    @Test func silentOriginHitsTheFirstByteTimeout() async throws {
        let server = try await LoopbackHTTPServer { _ in .noResponse(afterDelay: nil) }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", timeouts: OriginTimeouts(firstByte: .milliseconds(200))), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.error == .timeout(phase: .firstByte))
        #expect(outcome.error?.viewerStatus == 504)
        #expect(outcome.heads.isEmpty)
        #expect(outcome.elapsed >= .milliseconds(200) && outcome.elapsed < .seconds(10))  // default: 30 s
        #expect(server.requests.count == 1)
    }

    @Test func stallMidBodyHitsTheIdleTimeout() async throws {
        let server = try await LoopbackHTTPServer { _ in
            .slowBody(status: 200, chunks: [[1], [2]], interval: .seconds(5))
        }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", timeouts: OriginTimeouts(idle: .milliseconds(200))), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.heads.count == 1)
        #expect(outcome.error == .timeout(phase: .idle))
        #expect(outcome.elapsed >= .milliseconds(200) && outcome.elapsed < .seconds(4))  // the next chunk: 5 s
    }

    @Test func totalTimeoutCoversASlowButSteadyBody() async throws {
        let server = try await LoopbackHTTPServer { _ in
            .slowBody(status: 200, chunks: Array(repeating: [7], count: 100), interval: .milliseconds(20))
        }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", timeouts: OriginTimeouts(idle: .seconds(1), total: .milliseconds(300))), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.error == .timeout(phase: .total))
        #expect(outcome.bodyBytes > 0 && outcome.bodyBytes < 100)
    }

    @Test func unansweredHandshakeHitsTheConnectTimeout() async throws {
        let listener = try FullBacklogListener()
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: "http://127.0.0.1:\(listener.port)/k", timeouts: OriginTimeouts(connect: .milliseconds(200))), on: loop)
        client.shutdown()
        withExtendedLifetime(listener) {}

        #expect(outcome.error == .timeout(phase: .connect))
        #expect(outcome.error?.viewerStatus == 504)
        #expect(outcome.statistics?.attempts == 1)  // a timeout is not retried
        #expect(outcome.elapsed >= .milliseconds(200) && outcome.elapsed < .seconds(4))  // default: 5 s
    }

    @Test func refusedConnectionIsRetriedThenFails() async throws {
        let closed = try await LoopbackHTTPServer { _ in .closeImmediately }
        let url = closed.baseURL + "/k"
        try await closed.shutdown()
        let client = try OriginClient(configuration: OriginClientConfiguration(retry: OriginRetryPolicy(maxAttempts: 3)))
        let outcome = try await client.probe(OriginRequest(url: url), on: loop)
        client.shutdown()

        guard case .connectionFailed(let reason)? = outcome.error else {
            Issue.record("expected connectionFailed, got \(String(describing: outcome.result))")
            return
        }
        #expect(reason.contains("refused") || reason.contains("connect"))
        #expect(outcome.error?.viewerStatus == 502)
        #expect(outcome.statistics?.attempts == 3)
        #expect(outcome.heads.isEmpty)
    }

    @Test func closeWithoutAnswerIsRetriedOnce() async throws {
        let first = LockedBox(true)
        let flaky = try await LoopbackHTTPServer { _ in
            first.withLock { isFirst in defer { isFirst = false }; return isFirst } ? .closeImmediately : .respond(status: 200, body: [1, 2, 3])
        }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(url: flaky.baseURL + "/k"), on: loop)
        client.shutdown()
        try await flaky.shutdown()

        #expect(outcome.error == nil)
        #expect(outcome.heads.count == 1)
        #expect(outcome.body == [1, 2, 3])
        #expect(outcome.statistics?.attempts == 2)
        #expect(flaky.requests.count == 2)
    }

    @Test func unresolvableHostIsADNSFailure() async throws {
        let client = try OriginClient(configuration: OriginClientConfiguration(retry: OriginRetryPolicy(maxAttempts: 1)))
        let outcome = try await client.probe(OriginRequest(url: "http://s3edge-test.invalid/k", timeouts: OriginTimeouts(connect: .seconds(2))), on: loop)
        client.shutdown()

        guard case .dnsFailed? = outcome.error else {
            Issue.record("expected dnsFailed, got \(String(describing: outcome.result))")
            return
        }
        #expect(outcome.error?.viewerStatus == 502)
    }

    @Test func tlsToAPlainHTTPPortFails() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 400) }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(url: "https://127.0.0.1:\(server.port)/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        guard case .tlsFailed? = outcome.error else {
            Issue.record("expected tlsFailed, got \(String(describing: outcome.result))")
            return
        }
        #expect(outcome.error?.viewerStatus == 502)
    }
}
