import EdgeConfig
import NIOHTTP1
import Testing

@testable import EdgeServer

@Suite("cache behaviors in routing")
struct BehaviorRoutingTests {
    private func configuration() throws -> EdgeConfiguration {
        // trusted_keys files are read only by check-config and the runtime, not by routing.
        let yaml = """
        listen:
          https: "127.0.0.1:8443"
          http: "127.0.0.1:8080"
        tls:
          certificates:
            - cert: /nonexistent/site.pem
              key: /nonexistent/site.key
        viewer:
          protocol_policy: allow-all
        distributions:
          - id: E2EXAMPLE
            hostnames: [cdn.example.com]
            behaviors:
              - path_pattern: "/api/*"
                allowed_methods: [GET, HEAD]
                viewer_protocol_policy: https-only
              - path_pattern: "/docs/*.pdf"
                viewer_protocol_policy: redirect-to-https
                cache_policy: { default_ttl: 60 }
        """
        return try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/").0
    }

    private func head(_ method: HTTPMethod = .GET, _ uri: String) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: ["Host": "cdn.example.com"])
    }

    @Test("the first matching pattern wins, over the percent-decoded path; else the default behavior")
    func choice() throws {
        let distribution = try configuration().distributions[0]
        #expect(ViewerRouter.behavior(of: distribution, target: "/api/v1?x=1").index == 0)
        #expect(ViewerRouter.behavior(of: distribution, target: "/%61pi/v1").index == 0, "decoded before matching")
        #expect(ViewerRouter.behavior(of: distribution, target: "/docs/a/b.pdf").index == 1)
        #expect(ViewerRouter.behavior(of: distribution, target: "/docs/a/b.PDF").index == 2, "case-sensitive")
        #expect(ViewerRouter.behavior(of: distribution, target: "/other").index == 2)
        #expect(ViewerRouter.behavior(of: distribution, target: "/docs/x.pdf").behavior.cachePolicy.defaultTTL == .seconds(60))
    }

    @Test("allowed methods are per behavior: OPTIONS refused under [GET, HEAD], allowed elsewhere")
    func methods() throws {
        let router = ViewerRouter(configuration: try configuration())
        guard case .respond(let refused) = router.https(head(.OPTIONS, "/api/x")) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refused.status == .forbidden)
        #expect(refused.body.contains("method OPTIONS is not allowed by the behavior \"/api/*\""))
        #expect(refused.body.contains("(allowed: GET, HEAD)"))
        guard case .origin(_, let choice) = router.https(head(.OPTIONS, "/other")) else {
            Issue.record("expected the origin")
            return
        }
        #expect(choice.index == 2)
    }

    @Test("the viewer protocol policy is per behavior on the plain listener")
    func protocolPolicy() throws {
        let router = ViewerRouter(configuration: try configuration())
        #expect(router.plainHTTP(head(.GET, "/api/x"))?.status == .forbidden)
        #expect(router.plainHTTP(head(.GET, "/docs/x.pdf"))?.status == .movedPermanently)
        #expect(router.plainHTTP(head(.GET, "/other")) == nil, "allow-all: served over plain HTTP")
    }
}
