@testable import EdgeOrigin
import Foundation
import Testing

@Suite struct S3RequestBuilderTests {
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    func builder(addressing: S3OriginTarget.Addressing = .virtual, prefix: String = "", root: String = "") -> S3RequestBuilder {
        let authority = addressing == .virtual ? "assets-123.s3.eu-west-2.amazonaws.com" : "s3.eu-west-2.amazonaws.com"
        let target = S3OriginTarget(
            scheme: "https", authority: authority, bucket: "assets-123", region: "eu-west-2",
            addressing: addressing, keyPrefix: prefix, defaultRootObject: root
        )
        return S3RequestBuilder(target: target, signer: SigV4Signer(region: "eu-west-2"))
    }

    func decide(_ builder: S3RequestBuilder, _ target: String, method: String = "GET", headers: [(String, String)] = []) -> S3RequestDecision {
        builder.decide(
            method: method, requestTarget: target, viewerHeaders: headers.map { (name: $0.0, value: $0.1) },
            credentials: Self.credentials, date: Self.date
        )
    }

    @Test func getBecomesASignedGetObjectOnTheEncodedKey() throws {
        guard case .fetch(let request) = decide(builder(), "/photos/caf%C3%A9/a%20b+c.jpg?width=100") else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.url == "https://assets-123.s3.eu-west-2.amazonaws.com/photos/caf%C3%A9/a%20b%2Bc.jpg")
        #expect(request.key == "photos/café/a b+c.jpg")
        let names = request.headers.map { $0.name.lowercased() }
        #expect(names.contains("authorization"))
        #expect(names.contains("x-amz-content-sha256"))
        #expect(request.headers.first { $0.name == "Host" }?.value == "assets-123.s3.eu-west-2.amazonaws.com")
    }

    @Test func pathStyleAndPrefixStayInsideTheBucket() throws {
        guard case .fetch(let request) = decide(builder(addressing: .path, prefix: "public/"), "/a/b.txt") else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.url == "https://s3.eu-west-2.amazonaws.com/assets-123/public/a/b.txt")
    }

    @Test func onlyConditionalAndRangeHeadersAreForwarded() throws {
        let viewer = [
            ("Range", "bytes=0-99"), ("If-None-Match", "\"abc\""), ("Authorization", "Bearer x"), ("Cookie", "s=1"),
            ("x-amz-security-token", "evil"), ("X-Amz-Date", "19700101T000000Z"), ("Connection", "close"),
            ("X-Forwarded-For", "1.2.3.4"), ("Origin", "https://evil.example"),
        ]
        guard case .fetch(let request) = decide(builder(), "/a", headers: viewer) else {
            Issue.record("expected a fetch")
            return
        }
        let forwarded = request.headers.filter { !["host", "authorization", "x-amz-date", "x-amz-content-sha256"].contains($0.name.lowercased()) }
        #expect(forwarded.map(\.name) == ["Range", "If-None-Match"])
        #expect(request.headers.first { $0.name.lowercased() == "authorization" }?.value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") == true)
        #expect(request.headers.filter { $0.name.lowercased() == "x-amz-date" }.map(\.value) == ["20150830T123600Z"])
    }

    @Test func optionsForwardsOnlyPreflightHeaders() {
        guard case .fetch(let request) = decide(builder(), "/a", method: "OPTIONS", headers: [
            ("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET"), ("Cookie", "x"),
        ]) else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.method == "OPTIONS")
        #expect(request.headers.contains { $0.name == "Origin" })
        #expect(!request.headers.contains { $0.name == "Cookie" })
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "PROPFIND"])
    func otherMethodsAre403(method: String) {
        guard case .answer(let status, _) = decide(builder(), "/a", method: method) else {
            Issue.record("expected a local answer")
            return
        }
        #expect(status == 403)
    }

    @Test func rootWithoutDefaultObjectNeverLists() {
        guard case .answer(let status, _) = decide(builder(), "/?list-type=2") else {
            Issue.record("expected a local answer")
            return
        }
        #expect(status == 404)
        guard case .fetch(let request) = decide(builder(root: "index.html"), "/") else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.url.hasSuffix("/index.html"))
    }

    /// Hostile request targets: each is refused, or reaches exactly one key inside the bucket
    /// and prefix, with no query string.
    static let hostile = [
        "/../other-bucket/x", "/a/../../x", "/%2e%2e/x", "/%2E%2E%2Fsecret", "/a/%2e/b", "/.%2e/x", "/a/..",
        "/a%5c..%5cb", "/a\\..\\b", "/a%00.jpg", "/a%0d%0aX-Injected:%201", "/%C0%AE%C0%AE/x", "/%E0%80%AE/x",
        "/a%3Facl", "/a%23frag", "/%zz", "/a%2", "/a%", "x", "*", "http://evil.example/x",
        "/?acl", "/?versions", "/?uploads", "/?policy", "/?list-type=2&prefix=", "/a?acl", "/a?tagging",
        "/a?versionId=1", "/a?response-content-type=text/html", "/a?torrent", "/%252e%252e/x", "/a//b", "//a",
        "/" + String(repeating: "k", count: 1100),
    ]

    @Test(arguments: hostile)
    func hostileTargetsReachNothingOutsideThePrefix(target: String) throws {
        let decision = decide(builder(prefix: "public/"), target)
        switch decision {
        case .answer(let status, _):
            #expect([400, 403, 404].contains(status))
        case .fetch(let request):
            let url = try #require(URL(string: request.url))
            #expect(url.query == nil, "no query may reach S3: \(request.url)")
            #expect(request.url.hasPrefix("https://assets-123.s3.eu-west-2.amazonaws.com/public/"))
            #expect(request.key.hasPrefix("public/"))
            let segments = request.key.split(separator: "/", omittingEmptySubsequences: false)
            #expect(!segments.contains(".") && !segments.contains(".."))
            #expect(!request.key.contains("\\") && !request.key.contains("\0"))
        }
    }

    @Test(arguments: ["/%2e%2e/x", "/a%5cb", "/a%00", "/%C0%AE", "/a%3F", "/a%", "/../x"])
    func traversalAndEncodingTricksAre400(target: String) {
        guard case .answer(let status, _) = decide(builder(), target) else {
            Issue.record("\(target) must be refused")
            return
        }
        #expect(status == 400)
    }

    @Test func doubleEncodingIsDecodedOnceAndEncodedOnce() {
        guard case .fetch(let request) = decide(builder(), "/%252e%252e/x") else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.key == "%2e%2e/x")
        #expect(request.url.hasSuffix("/%252e%252e/x"))
    }
}
