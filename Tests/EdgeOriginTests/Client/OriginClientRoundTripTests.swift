import EdgeOrigin
import NIOCore
import NIOPosix
import Testing

/// Status, headers and body pass through unchanged, with the request sent exactly as built.
@Suite struct OriginClientRoundTripTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    @Test func getPassesStatusHeadersAndBodyThrough() async throws {
        let body = Array("the object".utf8)
        let server = try await LoopbackHTTPServer { _ in
            .respond(status: 200, headers: [("ETag", "\"abc\""), ("x-amz-meta-a", "1"), ("x-amz-meta-a", "2")], body: body)
        }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/bucket/key?versionId=3",
                          headers: [("Host", "bucket.example"), ("Authorization", "AWS4-HMAC-SHA256 x"), ("x-amz-date", "20260314T092653Z")]),
            on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.heads.count == 1)
        #expect(outcome.status == 200)
        #expect(outcome.header("etag") == "\"abc\"")
        #expect(outcome.heads.first?.headers.filter { $0.0 == "x-amz-meta-a" }.map(\.1) == ["1", "2"])
        #expect(outcome.body == body)
        #expect(outcome.finishes == 1)
        #expect(outcome.error == nil)
        #expect(outcome.allOnLoop)
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.uri == "/bucket/key?versionId=3")
        #expect(request.header("host") == "bucket.example")
        #expect(request.header("authorization") == "AWS4-HMAC-SHA256 x")
        #expect(request.header("x-amz-date") == "20260314T092653Z")
        #expect(request.header("accept") == nil)
        #expect(request.header("accept-encoding") == nil)
    }

    @Test func headGetsTheHeadAndNoBody() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 200, body: Array(repeating: 1, count: 5000)) }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(method: .head, url: server.baseURL + "/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(server.requests.first?.method == "HEAD")
        #expect(outcome.status == 200)
        #expect(outcome.header("content-length") == "5000")
        #expect(outcome.bodyBytes == 0)
        #expect(outcome.error == nil)
    }

    @Test func notModifiedEndsWithoutABody() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 304, headers: [("ETag", "\"abc\"")]) }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", headers: [("If-None-Match", "\"abc\"")]), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.status == 304)
        #expect(outcome.bodyBytes == 0)
        #expect(outcome.error == nil)
        #expect(server.requests.first?.header("if-none-match") == "\"abc\"")
    }

    @Test func optionsIsSentAsOptions() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 200, headers: [("Allow", "GET, HEAD")]) }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(method: .options, url: server.baseURL + "/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(server.requests.first?.method == "OPTIONS")
        #expect(outcome.header("allow") == "GET, HEAD")
    }

    @Test func interimContinueHeadIsSkipped() async throws {
        // The scripted server has no "interim head" reply; a header value carrying CRLFs writes
        // "100 Continue", then a whole final response, on the wire.
        let final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        let server = try await LoopbackHTTPServer { _ in .respond(status: 100, headers: [("X-Interim", "1\r\n\r\n" + final)]) }
        let client = try OriginClient()
        let outcome = try await client.probe(OriginRequest(url: server.baseURL + "/k"), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(outcome.heads.count == 1)
        #expect(outcome.status == 200)
        #expect(outcome.header("x-interim") == nil)
        #expect(outcome.body == Array("ok".utf8))
        #expect(outcome.error == nil)
    }

    @Test(arguments: ["/a/../b", "/a/./b/%2E%2E/c", "/bucket//double//slash", "/k%20ey?list-type=2&prefix=a%2Fb"])
    func pathIsSentAsIs(path: String) async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 200) }
        let client = try OriginClient()
        _ = try await client.probe(OriginRequest(url: server.baseURL + path), on: loop)
        client.shutdown()
        try await server.shutdown()

        #expect(server.requests.map(\.uri) == [path])
    }

    @Test func invalidHeaderIsRefusedBeforeSending() async throws {
        let server = try await LoopbackHTTPServer { _ in .respond(status: 200) }
        let client = try OriginClient()
        let outcome = try await client.probe(
            OriginRequest(url: server.baseURL + "/k", headers: [("X-Bad", "a\r\nInjected: 1")]), on: loop)
        client.shutdown()
        try await server.shutdown()

        guard case .invalidRequest = outcome.error else { Issue.record("expected invalidRequest, got \(String(describing: outcome.result))"); return }
        #expect(server.requests.isEmpty)
    }
}
