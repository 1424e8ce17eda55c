@testable import EdgeSignedURL
import Testing

/// Every signed-cookie case of `sign-cookies-test-cases.json`, the same way as the URL cases:
/// valid ones verify, tampered ones are refused for the right reason.
@Suite struct AWSCLICookieVectorTests {
    static let cases: [SignerVector] = (try? SignerVector.load("sign-cookies-test-cases.json")) ?? []
    static let valid = cases.filter { !$0.isError }

    @Test func theFixtureHoldsTheDocumentedCounts() {
        // README: 11 cookie cases: 4 RSA with a fixed signature, 1 ECDSA, 6 errors.
        #expect(Self.cases.count == 11)
        #expect(Self.valid.count == 5)
        #expect(Self.valid.filter { $0.expected.cookies?["CloudFront-Signature"] != nil }.count == 4)
        // The error cases are the URL file's six; AWSCLIURLVectorTests covers them.
        #expect(Set(Self.cases.filter(\.isError).map(\.id)) == Set(AWSCLIURLVectorTests.errors.map(\.id)))
    }

    static func cookies(_ vector: SignerVector) throws -> [(name: String, value: String)] {
        var cookies = (vector.expected.cookies ?? [:]).map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
        if vector.expected.cookies?["CloudFront-Signature"] == nil {
            cookies.append((name: "CloudFront-Signature", value: try vector.signature()))
        }
        return cookies
    }

    static func url(_ vector: SignerVector) -> ViewerURL {
        guard let url = ViewerURL(vector.requestBase) else { fatalError(vector.requestBase) }
        return url
    }

    @Test(arguments: valid)
    func validCookiesVerify(_ vector: SignerVector) throws {
        let cookies = try Self.cookies(vector)
        if let policy = vector.expected.cookies?["CloudFront-Policy"] {
            #expect(policy == CloudFrontBase64.encode(vector.policyBytes))
        }
        let keys = try Fixtures.awsCLIKeys()
        let expected = Outcome.granted(.cookies, vector.isCanned ? .canned : .custom)
        #expect(outcome(Self.url(vector), cookies: cookies, ip: vector.clientIP, at: vector.validAt, keys: keys) == expected)
        // Unrelated cookies around them change nothing; quoted values are read as RFC 6265 allows.
        let noisy = [(name: "session", value: "abc")] + cookies.map { (name: $0.name, value: "\"\($0.value)\"") } + [(name: "CloudFront-Other", value: "x")]
        #expect(outcome(Self.url(vector), cookies: noisy, ip: vector.clientIP, at: vector.validAt, keys: keys) == expected)
    }

    @Test(arguments: valid)
    func tamperedCookiesAreRefused(_ vector: SignerVector) throws {
        let cookies = try Self.cookies(vector)
        let url = Self.url(vector)
        let keys = try Fixtures.awsCLIKeys()
        let ip = vector.clientIP
        let now = vector.validAt
        func with(_ name: String, _ value: String?) -> [(name: String, value: String)] {
            cookies.compactMap { $0.name == name ? value.map { (name: name, value: $0) } : $0 }
        }

        var otherHost = url
        otherHost.host = "d222222abcdef8.cloudfront.net"
        #expect(outcome(otherHost, cookies: cookies, ip: ip, at: now, keys: keys) == .denied(vector.isCanned ? .badSignature : .resourceMismatch))

        var otherPath = url
        otherPath.path = "/other" + url.path
        // A canned cookie covers one URL; the custom policies here cover the whole host.
        #expect(outcome(otherPath, cookies: cookies, ip: ip, at: now, keys: keys)
            == (vector.isCanned ? .denied(.badSignature) : .granted(.cookies, .custom)))

        let signature = try #require(cookies.first { $0.name == "CloudFront-Signature" }?.value)
        #expect(outcome(url, cookies: with("CloudFront-Signature", String(signature.dropLast(4))), ip: ip, at: now, keys: keys) == .denied(.badSignature))
        #expect(outcome(url, cookies: with("CloudFront-Signature", nil), ip: ip, at: now, keys: keys) == .denied(.malformed("no CloudFront-Signature")))
        #expect(outcome(url, cookies: with("CloudFront-Key-Pair-Id", "K9UNKNOWN"), ip: ip, at: now, keys: keys) == .denied(.unknownKeyID))
        #expect(outcome(url, cookies: with("CloudFront-Key-Pair-Id", nil), ip: ip, at: now, keys: keys) == .denied(.malformed("no CloudFront-Key-Pair-Id")))
        #expect(outcome(url, cookies: cookies + [cookies[0]], ip: ip, at: now, keys: keys)
            == .denied(.malformed("\(cookies[0].name) appears more than once")))

        let otherKey = vector.input.keyPairId == "K1TESTKEY"
            ? TestSigningKey(privatePEM: try Fixtures.bytes("aws-sdk-ruby/rsa_dummy_key.pem")) : TestSigningKey()
        let forged = CloudFrontBase64.encode(otherKey.sign(vector.policyBytes, hash: vector.hash))
        #expect(outcome(url, cookies: with("CloudFront-Signature", forged), ip: ip, at: now, keys: keys) == .denied(.badSignature))

        #expect(outcome(url, cookies: cookies, ip: ip, at: now + 1, keys: keys) == .denied(.expired))
        if vector.input.ipRange != nil {
            #expect(outcome(url, cookies: cookies, ip: "192.0.2.1", at: now, keys: keys) == .denied(.ipNotAllowed))
        }
        #expect(outcome(url, cookies: [], ip: ip, at: now, keys: keys) == .denied(.missing))
    }

    /// CloudFront: a URL with any of Expires, Policy, Signature or Key-Pair-Id is a signed URL,
    /// and its cookies are not looked at, even when the URL's signature fails and theirs would
    /// pass.
    @Test(arguments: valid)
    func aSignedURLTakesPrecedenceOverCookies(_ vector: SignerVector) throws {
        let cookies = try Self.cookies(vector)
        let keys = try Fixtures.awsCLIKeys()
        let url = Self.url(vector)
        for parameter in ["Expires=1767290400", "Policy=e30_", "Signature=AAAA", "Key-Pair-Id=K1TESTKEY"] {
            var signed = url
            signed.query = (url.query.map { $0 + "&" } ?? "") + parameter
            let result = outcome(signed, cookies: cookies, ip: vector.clientIP, at: vector.validAt, keys: keys)
            guard case .denied = result else {
                Issue.record("\(parameter): \(result)")
                continue
            }
        }
        // Hash-Algorithm alone does not make a signed URL.
        var hashOnly = url
        hashOnly.query = (url.query.map { $0 + "&" } ?? "") + "Hash-Algorithm=SHA256"
        #expect(outcome(hashOnly, cookies: cookies, ip: vector.clientIP, at: vector.validAt, keys: keys)
            == .granted(.cookies, vector.isCanned ? .canned : .custom))
    }
}
