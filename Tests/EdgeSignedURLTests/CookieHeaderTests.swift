@testable import EdgeSignedURL
import Testing

/// Signed cookies as the server hands them over: the `Cookie` field values as received.
@Suite struct CookieHeaderTests {
    static let vector = AWSCLICookieVectorTests.valid.first { $0.id == "custom-policy-cookies" }

    struct Signed {
        var url: ViewerURL
        var policy: String
        var signature: String
        var ip: String
        var now: Int64
    }

    static func signed() throws -> Signed {
        let vector = try #require(Self.vector)
        let cookies = try #require(vector.expected.cookies)
        return Signed(
            url: AWSCLICookieVectorTests.url(vector), policy: try #require(cookies["CloudFront-Policy"]),
            signature: try vector.signature(), ip: vector.clientIP, now: vector.validAt
        )
    }

    static func verify(_ signed: Signed, _ headers: [String], query: String? = nil, keys: TrustedKeyStore) -> Result<Grant, Denial> {
        var url = signed.url
        url.query = query
        return SignedRequestVerifier.verify(url: url, cookieHeaders: headers, clientIP: IPAddress(signed.ip), now: signed.now, keys: keys)
    }

    @Test func itemsAreFoundInEveryCookieFieldWhateverSurroundsThem() throws {
        let s = try Self.signed()
        let keys = try Fixtures.awsCLIKeys()
        let headers = [
            "session=abc;CloudFront-Policy=\(s.policy)",
            "  theme=dark ;; junk ;CloudFront-Signature=\"\(s.signature)\"; CloudFront-Other=x; CloudFront-Key-Pair-Id=K1TESTKEY",
        ]
        #expect(Outcome(Self.verify(s, headers, keys: keys)) == .granted(.cookies, .custom))
        // Names are exact: a lower-case name is someone else's cookie.
        let lowered = ["cloudfront-policy=\(s.policy); CloudFront-Signature=\(s.signature); CloudFront-Key-Pair-Id=K1TESTKEY"]
        #expect(Outcome(Self.verify(s, lowered, keys: keys)) == .denied(.malformed("neither CloudFront-Expires nor CloudFront-Policy")))
        #expect(Outcome(Self.verify(s, ["session=abc", "x"], keys: keys)) == .denied(.missing))
        #expect(Outcome(Self.verify(s, [], keys: keys)) == .denied(.missing))
    }

    @Test func aSigningCookieSentTwiceIsRefusedEvenAcrossFields() throws {
        let s = try Self.signed()
        let keys = try Fixtures.awsCLIKeys()
        let once = "CloudFront-Policy=\(s.policy); CloudFront-Signature=\(s.signature); CloudFront-Key-Pair-Id=K1TESTKEY"
        #expect(Outcome(Self.verify(s, [once, "CloudFront-Signature=\(s.signature)"], keys: keys))
            == .denied(.malformed("CloudFront-Signature appears more than once")))
    }

    @Test func aSignedURLWinsOverCookies() throws {
        let s = try Self.signed()
        let keys = try Fixtures.awsCLIKeys()
        // The URL's signature is checked and the cookies ignored, as CloudFront does.
        let garbage = ["CloudFront-Policy=e30_; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=K9"]
        let query = "Policy=\(s.policy)&Signature=\(s.signature)&Key-Pair-Id=K1TESTKEY"
        #expect(Outcome(Self.verify(s, garbage, query: query, keys: keys)) == .granted(.url, .custom))
        // A query with only Hash-Algorithm carries no signature: the cookies are read.
        let cookies = ["CloudFront-Policy=\(s.policy); CloudFront-Signature=\(s.signature); CloudFront-Key-Pair-Id=K1TESTKEY"]
        #expect(Outcome(Self.verify(s, cookies, query: "Hash-Algorithm=SHA1", keys: keys)) == .granted(.cookies, .custom))
    }

    /// A cookie that many requests reuse costs one public-key operation, like a reused URL: the
    /// second request is answered from the cache, and the URL form of the same signature shares
    /// its entry.
    @Test func aReusedSignedCookieIsVerifiedOnce() throws {
        let s = try Self.signed()
        let keys = try Fixtures.awsCLIKeys(cacheCapacity: 64)
        let cookies = ["CloudFront-Policy=\(s.policy); CloudFront-Signature=\(s.signature); CloudFront-Key-Pair-Id=K1TESTKEY"]
        #expect(Outcome(Self.verify(s, cookies, keys: keys)) == .granted(.cookies, .custom))
        #expect(keys.cachedVerifications == 1)
        let entry = VerificationCache.Key(
            keyID: "K1TESTKEY", hash: .sha1, kind: .custom, signature: ArraySlice(s.signature.utf8), policy: ArraySlice(s.policy.utf8), resource: [])
        let statement = try #require(keys.cache.lookup(entry))
        #expect(Outcome(Self.verify(s, cookies, keys: keys)) == .granted(.cookies, .custom))
        let query = "Policy=\(s.policy)&Signature=\(s.signature)&Key-Pair-Id=K1TESTKEY"
        #expect(Outcome(Self.verify(s, [], query: query, keys: keys)) == .granted(.url, .custom))
        #expect(keys.cachedVerifications == 1)

        // A hit does no public-key operation: an entry planted for a signature that would not
        // verify is honoured (and its policy's conditions still checked).
        let planted = "AAAA\(s.signature.dropFirst(4))"
        keys.cache.insert(.init(keyID: "K1TESTKEY", hash: .sha1, kind: .custom, signature: ArraySlice(planted.utf8), policy: ArraySlice(s.policy.utf8), resource: []), statement)
        let forged = ["CloudFront-Policy=\(s.policy); CloudFront-Signature=\(planted); CloudFront-Key-Pair-Id=K1TESTKEY"]
        #expect(Outcome(Self.verify(s, forged, keys: keys)) == .granted(.cookies, .custom))
        var elsewhere = s
        elsewhere.ip = "192.0.2.1"
        #expect(Outcome(Self.verify(elsewhere, forged, keys: keys)) == .denied(.ipNotAllowed))
        #expect(Outcome(Self.verify(s, forged, keys: try Fixtures.awsCLIKeys(cacheCapacity: 64))) == .denied(.badSignature))
    }
}

@Suite struct GrantTargetTests {
    /// The target granted for the custom-policy vector's URL (resource `https://host/*`) with
    /// `query` around its signing parameters.
    static func target(_ before: String, _ after: String = "") throws -> String {
        let s = try CookieHeaderTests.signed()
        let query = "\(before)Policy=\(s.policy)&Signature=\(s.signature)&Key-Pair-Id=K1TESTKEY\(after)"
        return try CookieHeaderTests.verify(s, [], query: query, keys: try Fixtures.awsCLIKeys()).get().target
    }

    /// What the cache key and the origin request use: the path, and the query without the
    /// signing parameters, the rest in its order and bytes.
    @Test func theTargetKeepsEverythingButTheSigningParameters() throws {
        #expect(try Self.target("") == "/private/report.pdf")
        #expect(try Self.target("color=red&", "&size=L%2B") == "/private/report.pdf?color=red&size=L%2B")
        #expect(try Self.target("", "&Hash-Algorithm=SHA1") == "/private/report.pdf")
        // Nothing but an empty pair left: no `?`.
        #expect(try Self.target("&") == "/private/report.pdf")
        #expect(try Self.target("a=1&&") == "/private/report.pdf?a=1&")
        // Signed cookies leave the query as it was.
        let s = try CookieHeaderTests.signed()
        let cookies = ["CloudFront-Policy=\(s.policy); CloudFront-Signature=\(s.signature); CloudFront-Key-Pair-Id=K1TESTKEY"]
        #expect(try CookieHeaderTests.verify(s, cookies, query: "v=2", keys: try Fixtures.awsCLIKeys()).get().target == "/private/report.pdf?v=2")
    }
}
