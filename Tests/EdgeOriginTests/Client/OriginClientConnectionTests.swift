import EdgeOrigin
import NIOCore
import NIOPosix
import Testing

/// Connections are pooled, kept alive and bounded per host.
@Suite struct OriginClientConnectionTests {
    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try await LoopbackHTTPServer { request in .respond(status: 200, body: Array(request.uri.utf8)) }
        let client = try OriginClient()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        for index in 0..<200 {
            let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/k\(index)"), on: loop)
            #expect(outcome.body == Array("/k\(index)".utf8))
        }
        client.shutdown()
        try await server.shutdown()

        #expect(server.requests.count == 200)
        #expect(server.connectionCount == 1)
    }

    @Test func concurrentRequestsAreBoundedAndCompleteOnTheirOwnLoops() async throws {
        let server = try await LoopbackHTTPServer { request in
            .slowBody(status: 200, chunks: [Array(request.uri.utf8)], interval: .milliseconds(5))
        }
        let client = try OriginClient(configuration: OriginClientConfiguration(maxConnectionsPerHost: 4))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let outcomes = try await withThrowingTaskGroup(of: (Int, ProbeOutcome).self) { tasks in
            for index in 0..<50 {
                let loop = group.next()
                tasks.addTask { (index, try await client.probe(OriginRequest(url: server.baseURL + "/c\(index)"), on: loop)) }
            }
            return try await tasks.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        client.shutdown()
        try await server.shutdown()
        try await group.shutdownGracefully()

        #expect(outcomes.count == 50)
        for (index, outcome) in outcomes {
            #expect(outcome.body == Array("/c\(index)".utf8))
            #expect(outcome.allOnLoop)
            #expect(outcome.error == nil)
        }
        #expect(server.connectionCount <= 4)
        #expect(server.connectionCount > 1)  // the requests really overlapped
        print("concurrency: 50 concurrent requests used \(server.connectionCount) connections (max 4 per host)")
    }
}
