import EdgeOrigin
import Logging
import NIOCore
import NIOPosix
import Testing

/// Secrets in request headers never reach the log, even at trace level and on failures.
@Suite struct OriginLoggingTests {
    @Test func authorizationAndSessionTokenAreNeverLogged() async throws {
        let secret = "Signature=0123456789abcdef0123456789abcdef"
        let token = "IQoJb3JpZ2luX2VjEXAMPLEsessiontoken"
        let lines = LockedBox<[String]>([])
        var logger = Logger(label: "test") { _ in CollectingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let first = LockedBox(true)
        let server = try await LoopbackHTTPServer { _ in
            first.withLock { isFirst in defer { isFirst = false }; return isFirst } ? .closeImmediately : .truncated(status: 200, declaredLength: 9, body: [1])
        }
        let client = try OriginClient(logger: logger)
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k?X-Amz-Security-Token=\(token)",
                          headers: [("Authorization", "AWS4-HMAC-SHA256 \(secret)"), ("X-Amz-Security-Token", token)]),
            on: MultiThreadedEventLoopGroup.singleton.next())
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.error == .truncated(expected: 9, received: 1))
        let logged = lines.current
        #expect(logged.count >= 2)  // the retry and the finish
        for line in logged {
            #expect(!line.contains(secret))
            #expect(!line.contains(token))
        }
    }
}

/// Keeps every rendered log line.
struct CollectingLogHandler: LogHandler {
    let lines: LockedBox<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }
}
