@testable import EdgeServer
import NIOHTTP1
import Testing

@Suite struct ViewerRouterTests {
    func head(_ method: HTTPMethod = .GET, _ uri: String = "/", host: String?) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        if let host { headers.add(name: "Host", value: host) }
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
    }

    @Test func redirectPreservesHostPathAndQueryAndAddsNonDefaultPort() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        let response = try #require(router.plainHTTP(head(.GET, "/a%20b/c.jpg?x=1&y=%2F", host: "CDN.example.com:8080")))
        #expect(response.status == .movedPermanently)
        #expect(response.header("Location") == "https://cdn.example.com:8443/a%20b/c.jpg?x=1&y=%2F")
    }

    @Test func redirectOmitsPort443() throws {
        let router = ViewerRouter(configuration: try testConfiguration(https: "0.0.0.0:443"))
        let response = try #require(router.plainHTTP(head(.HEAD, "/p?q", host: "cdn.example.com")))
        #expect(response.status == .movedPermanently)
        #expect(response.header("Location") == "https://cdn.example.com/p?q")
    }

    @Test func redirectPolicyRefusesOtherMethodsLikeCloudFront() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        for method in [HTTPMethod.POST, .PUT, .DELETE, .PATCH, .OPTIONS] {
            #expect(router.plainHTTP(head(method, "/", host: "cdn.example.com"))?.status == .forbidden)
        }
    }

    @Test func httpsOnlyRefusesPlainHTTP() throws {
        let router = ViewerRouter(configuration: try testConfiguration(policy: "https-only"))
        #expect(router.plainHTTP(head(host: "cdn.example.com"))?.status == .forbidden)
    }

    @Test func allowAllServesPlainHTTPLikeHTTPS() throws {
        let router = ViewerRouter(configuration: try testConfiguration(policy: "allow-all"))
        #expect(router.plainHTTP(head(host: "cdn.example.com")) == nil)
    }

    func response(_ route: ViewerRouter.Route) -> ViewerResponse? {
        if case .respond(let response) = route { response } else { nil }
    }

    @Test func knownHostGoesToItsDistributionsOrigin() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        guard case .origin(let distribution, _) = router.https(head(host: "a.img.example.com")) else {
            Issue.record("expected the origin route")
            return
        }
        #expect(distribution.id == "E2EXAMPLE")
        #expect(ViewerRouter.noOrigin(distribution).status == .serviceUnavailable)
        #expect(ViewerRouter.noOrigin(distribution).body.contains("E2EXAMPLE has no origin configured"))
    }

    @Test func twoHostHeadersOrAConflictingAbsoluteTargetAreHandledPerRFC9112() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        var twoHosts = head(host: "cdn.example.com")
        twoHosts.headers.add(name: "Host", value: "evil.example.net")
        #expect(response(router.https(twoHosts))?.status == .badRequest)
        // The absolute-form target's authority wins over Host.
        let absolute = HTTPRequestHead(version: .http1_1, method: .GET, uri: "https://evil.example.net/x",
                                       headers: ["Host": "cdn.example.com"])
        #expect(response(router.https(absolute))?.status == .misdirectedRequest)
        #expect(ViewerRouter.path(of: absolute) == "/x")
    }

    @Test func http2HostMustAgreeWithAuthority() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        let agreeing = HTTPRequestHead(version: .http2, method: .GET, uri: "/", headers: HTTPHeaders([("host", "cdn.example.com"), ("host", "CDN.example.com")]))
        guard case .origin = router.https(agreeing) else {
            Issue.record("agreeing :authority and host must be served")
            return
        }
        let differing = HTTPRequestHead(version: .http2, method: .GET, uri: "/", headers: HTTPHeaders([("host", "evil.example.net"), ("host", "cdn.example.com")]))
        #expect(response(router.https(differing))?.status == .badRequest)
    }

    @Test func unknownHostGets421OnBothListeners() throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        #expect(response(router.https(head(host: "evil.example.net")))?.status == .misdirectedRequest)
        #expect(router.plainHTTP(head(host: "evil.example.net"))?.status == .misdirectedRequest)
        // A wildcard covers one label only.
        #expect(response(router.https(head(host: "a.b.img.example.com")))?.status == .misdirectedRequest)
    }

    @Test(arguments: [nil, "", "evil.com/x", "a b", "cdn.example.com:99999", "[::1", "user@cdn.example.com"])
    func invalidOrMissingHostIs400AndNeverReflected(host: String?) throws {
        let router = ViewerRouter(configuration: try testConfiguration())
        let response = try #require(router.plainHTTP(head(host: host)))
        #expect(response.status == .badRequest)
        #expect(response.closeConnection)
        #expect(response.header("Location") == nil)
    }

    @Test func ipv6HostIsWrittenBackInBrackets() throws {
        let host = try #require(RequestHost("[::1]:8080"))
        #expect(host.name == "::1")
        #expect(host.authorityName == "[::1]")
    }

    @Test func headerSizeCountsNamesValuesAndTarget() {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "a")
        headers.add(name: "X", value: String(repeating: "y", count: 100))
        let size = ViewerRouter.headerSize(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/abc", headers: headers))
        #expect(size == 3 + 4 + (4 + 1 + 4) + (1 + 100 + 4))
    }
}
