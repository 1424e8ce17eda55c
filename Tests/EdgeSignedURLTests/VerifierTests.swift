@testable import EdgeSignedURL
import Testing

@Suite struct ViewerURLTests {
    @Test func resourceDropsTheSigningParametersAndKeepsTheRestVerbatim() throws {
        let url = try #require(ViewerURL("https://d1.example.net/a%20b/c.jpg?color=red&Expires=1&Signature=x&size=L%2B&Key-Pair-Id=K&Hash-Algorithm=SHA256#frag"))
        #expect(url.scheme == "https")
        #expect(url.host == "d1.example.net")
        #expect(url.path == "/a%20b/c.jpg")
        #expect(url.resource == "https://d1.example.net/a%20b/c.jpg?color=red&size=L%2B")
        #expect(ViewerURL("https://h:8443/x?Expires=1&Signature=x&Key-Pair-Id=K")?.resource == "https://h:8443/x")
        #expect(ViewerURL("http://h/x")?.resource == "http://h/x")
        #expect(ViewerURL("https://h?Policy=p")?.resource == "https://h")
        #expect(ViewerURL("h/x") == nil)
        #expect(ViewerURL("://h/x") == nil)
    }

    @Test func stripRemovesExactlyTheFiveParameters() {
        #expect(SigningParameters.strip(fromQuery: "color=red&Expires=1&Signature=x&Key-Pair-Id=K") == "color=red")
        #expect(SigningParameters.strip(fromQuery: "Policy=p&Signature=s&Key-Pair-Id=K&Hash-Algorithm=SHA256&v=2") == "v=2")
        #expect(SigningParameters.strip(fromQuery: "Expires") == "")
        // Names are case-sensitive and whole: these are the application's own parameters.
        #expect(SigningParameters.strip(fromQuery: "expires=1&Signatures=2&xExpires=3&Key-Pair-Id2=4") == "expires=1&Signatures=2&xExpires=3&Key-Pair-Id2=4")
        #expect(SigningParameters.strip(fromQuery: "a=1&&b=2") == "a=1&&b=2")
        #expect(SigningParameters.cookieNames.allSatisfy { SigningParameters.isSigningCookie($0) })
        #expect(!SigningParameters.isSigningCookie("CloudFront-Other"))
        #expect(!SigningParameters.isSigningCookie("cloudfront-signature"))
    }
}

@Suite struct SignedRequestVerifierTests {
    static let resource = "https://d111111abcdef8.cloudfront.net/image.jpg"
    static let expires: Int64 = 1_767_290_400
    static let signature = "iONoMLnhiCy9q1~WB9GkR2DiHz18I85i3o6kZ64REf-fCSOg-AyXEZiq7fJuS~DT-kbZXjVpgIQqI4sCTcBW9XpO6dyJ5sh8Igk3V~OVncS9acGVnI~ZhHBWiGhU8GmkEMAhn6R2RGO-wKGClrXdJGEUE26XoALdHUzHbmU6AGI_"
    static let now: Int64 = 1_767_000_000

    /// The aws-cli `canned-policy-url-basic` URL with its query replaced.
    static func url(_ query: String?) -> ViewerURL {
        ViewerURL(scheme: "https", host: "d111111abcdef8.cloudfront.net", path: "/image.jpg", query: query)
    }

    static let valid = "Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY"

    @Test(arguments: [
        (String?.none, Denial.missing),
        ("", .missing),
        ("color=red", .missing),
        ("Hash-Algorithm=SHA256", .missing),
        ("Expires=\(expires)&Key-Pair-Id=K1TESTKEY", .malformed("no Signature")),
        ("Expires=\(expires)&Signature=\(signature)", .malformed("no Key-Pair-Id")),
        ("Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("neither Expires nor Policy")),
        ("Expires=\(expires)&Policy=e30_&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("both Expires and Policy")),
        ("Expires=+\(expires)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("Expires is not a whole number of seconds")),
        ("Expires=&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("Expires is not a whole number of seconds")),
        ("Expires=1767290400.0&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("Expires is not a whole number of seconds")),
        ("Expires=\(expires)&Signature=a+b/c==&Key-Pair-Id=K1TESTKEY", .malformed("Signature is not CloudFront base64")),
        ("Expires=\(expires)&Signature=&Key-Pair-Id=K1TESTKEY", .malformed("Signature is not CloudFront base64")),
        ("Expires=\(expires)&Signature=\(signature)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("Signature appears more than once")),
        ("Expires=\(expires)&Signature=\(signature)%7&Key-Pair-Id=K1TESTKEY", .malformed("Signature has a broken percent-escape")),
        ("Policy=%%%&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("Policy has a broken percent-escape")),
        ("Policy=e30_&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("policy has no Statement array")),
        ("Policy=bm90IGpzb24_&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .malformed("policy JSON: unexpected character at byte 0")),
        ("Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY&Hash-Algorithm=sha256", .unsupportedHashAlgorithm),
        ("Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY&Hash-Algorithm=", .unsupportedHashAlgorithm),
        ("Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=k1testkey", .unknownKeyID),
        ("Expires=\(expires + 1)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY", .badSignature),
    ])
    func refusals(_ query: String?, _ denial: Denial) throws {
        #expect(outcome(Self.url(query), at: Self.now, keys: try Fixtures.awsCLIKeys()) == .denied(denial))
    }

    @Test func percentEncodedValuesAndParameterPositionsAreAccepted() throws {
        let keys = try Fixtures.awsCLIKeys()
        let encoded = Self.signature.replacingTilde()
        #expect(outcome(Self.url("Expires=\(Self.expires)&Signature=\(encoded)&Key-Pair-Id=K1TESTKEY"), at: Self.now, keys: keys) == .granted(.url, .canned))
        #expect(outcome(Self.url("Key-Pair-Id=K1TESTKEY&Signature=\(Self.signature)&Expires=\(Self.expires)"), at: Self.now, keys: keys) == .granted(.url, .canned))
        // Padding is optional; SHA1 may be written out.
        let unpadded = String(Self.signature.dropLast())
        #expect(outcome(Self.url("Expires=\(Self.expires)&Signature=\(unpadded)&Key-Pair-Id=K1TESTKEY&Hash-Algorithm=SHA1"), at: Self.now, keys: keys) == .granted(.url, .canned))
    }

    @Test func aPolicyOverTheSizeLimitIsRefusedBeforeDecoding() throws {
        let keys = try Fixtures.awsCLIKeys()
        let huge = String(repeating: "A", count: SignedRequestVerifier.maximumEncodedPolicyBytes + 4)
        #expect(outcome(Self.url("Policy=\(huge)&Signature=\(Self.signature)&Key-Pair-Id=K1TESTKEY"), at: Self.now, keys: keys)
            == .denied(.malformed("Policy is not CloudFront base64 of at most 8192 bytes")))
    }

    @Test func denialsNeverEchoTheSignature() throws {
        let keys = try Fixtures.awsCLIKeys()
        for query in ["Expires=\(Self.expires)&Signature=\(Self.signature)&Key-Pair-Id=K9", "Expires=x&Signature=\(Self.signature)&Key-Pair-Id=K1TESTKEY"] {
            let result = SignedRequestVerifier.verify(url: Self.url(query), cookies: [], clientIP: nil, now: Self.now, keys: keys)
            guard case .failure(let denial) = result else {
                Issue.record("granted")
                continue
            }
            #expect(!denial.description.contains(String(Self.signature.prefix(12))))
        }
    }
}

@Suite struct VerificationCacheTests {
    static let query = SignedRequestVerifierTests.valid
    static let url = SignedRequestVerifierTests.url(query)
    static let now = SignedRequestVerifierTests.now

    @Test func aVerifiedSignatureIsRememberedAndItsConditionsStillChecked() throws {
        let keys = try Fixtures.awsCLIKeys(cacheCapacity: 64)
        #expect(keys.cachedVerifications == 0)
        #expect(outcome(Self.url, at: Self.now, keys: keys) == .granted(.url, .canned))
        #expect(keys.cachedVerifications == 1)
        // Remembered as sent: the signature's text, the resource and the Expires text.
        let cached = keys.cache.lookup(.init(
            keyID: "K1TESTKEY", hash: .sha1, kind: .canned, signature: ArraySlice(SignedRequestVerifierTests.signature.utf8),
            policy: ArraySlice(String(SignedRequestVerifierTests.expires).utf8), resource: ArraySlice(Self.url.resourceBytes())))
        #expect(cached == PolicyStatement(resource: nil, dateLessThan: SignedRequestVerifierTests.expires))

        // The same request again, then past its expiry: the cache does not extend a grant.
        #expect(outcome(Self.url, at: Self.now, keys: keys) == .granted(.url, .canned))
        #expect(outcome(Self.url, at: SignedRequestVerifierTests.expires, keys: keys) == .denied(.expired))
        #expect(keys.cachedVerifications == 1)
        // The signature with other bytes (another expiry, another path) is no cache hit.
        #expect(outcome(SignedRequestVerifierTests.url(query(expires: SignedRequestVerifierTests.expires + 1)), at: Self.now, keys: keys) == .denied(.badSignature))
        var otherPath = Self.url
        otherPath.path = "/image2.jpg"
        #expect(outcome(otherPath, at: Self.now, keys: keys) == .denied(.badSignature))
        // Nor under another hash algorithm.
        #expect(outcome(SignedRequestVerifierTests.url(Self.query + "&Hash-Algorithm=SHA256"), at: Self.now, keys: keys) == .denied(.badSignature))
        #expect(keys.cachedVerifications == 1)
    }

    func query(expires: Int64) -> String {
        "Expires=\(expires)&Signature=\(SignedRequestVerifierTests.signature)&Key-Pair-Id=K1TESTKEY"
    }

    @Test func aCachedCustomPolicyIsStillMatchedPerRequest() throws {
        let keys = try Fixtures.awsCLIKeys(cacheCapacity: 64)
        let vector = try #require(AWSCLIURLVectorTests.valid.first { $0.id == "custom-policy-url-with-ip-range" })
        let url = try AWSCLIURLVectorTests.url(vector)
        #expect(outcome(url, ip: "192.168.0.9", at: vector.validAt, keys: keys) == .granted(.url, .custom))
        #expect(keys.cachedVerifications == 1)
        #expect(outcome(url, ip: "192.168.1.9", at: vector.validAt, keys: keys) == .denied(.ipNotAllowed))
        var otherPath = url
        otherPath.path = "/other.pdf"
        #expect(outcome(otherPath, ip: "192.168.0.9", at: vector.validAt, keys: keys) == .denied(.resourceMismatch))
    }

    /// A reload builds a new store: what the old one verified is not carried over.
    @Test func aNewStoreStartsEmpty() throws {
        let first = try Fixtures.awsCLIKeys(cacheCapacity: 64)
        _ = outcome(Self.url, at: Self.now, keys: first)
        #expect(first.cachedVerifications == 1)
        // K1TESTKEY now names another RSA key (the Ruby SDK's dummy key).
        let otherKey = TestSigningKey(privatePEM: try Fixtures.bytes("aws-sdk-ruby/rsa_dummy_key.pem"))
        let reloaded = try TrustedKeyStore([TrustedKey(id: "K1TESTKEY", pem: otherKey.publicPEM)], cacheCapacity: 64)
        #expect(reloaded.cachedVerifications == 0)
        #expect(outcome(Self.url, at: Self.now, keys: reloaded) == .denied(.badSignature))
    }

    @Test func theCacheStaysWithinItsCapacity() {
        let cache = VerificationCache(capacity: 32)
        for index in 0..<1000 {
            let signature = (0..<8).map { UInt8(truncatingIfNeeded: index >> (8 * ($0 % 2)) &+ $0) }
            cache.insert(.init(keyID: "K", hash: .sha1, kind: .canned, signature: ArraySlice(signature), policy: [1], resource: []), PolicyStatement(resource: nil, dateLessThan: 1))
        }
        #expect(cache.count <= 32)
        #expect(cache.count > 0)
        // Oversized messages are not kept; capacity 0 keeps nothing.
        cache.insert(.init(keyID: "K", hash: .sha1, kind: .canned, signature: [9], policy: [1], resource: ArraySlice(repeating: 0, count: 4096)), PolicyStatement(resource: nil, dateLessThan: 1))
        #expect(cache.lookup(.init(keyID: "K", hash: .sha1, kind: .canned, signature: [9], policy: [1], resource: ArraySlice(repeating: 0, count: 4096))) == nil)
        let off = VerificationCache(capacity: 0)
        off.insert(.init(keyID: "K", hash: .sha1, kind: .canned, signature: [1], policy: [1], resource: []), PolicyStatement(resource: nil, dateLessThan: 1))
        #expect(off.count == 0)
    }

    @Test func concurrentVerificationsAgree() async throws {
        let keys = try BotocoreFixtureTests.keys(cacheCapacity: 256)
        let cases = BotocoreFixtureTests.cases
        try #require(!cases.isEmpty)
        let granted = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var count = 0
                    for round in 0..<50 {
                        let signed = cases[(worker + round) % cases.count]
                        let result = SignedRequestVerifier.verify(url: signed.url, cookies: signed.cookiePairs,
                                                                  clientIP: IPAddress(signed.clientIp), now: signed.validAt, keys: keys)
                        if case .success = result { count += 1 }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 400)
        #expect(keys.cachedVerifications == cases.count)
    }
}

extension String {
    /// `~` written as `%7E`, as some clients send it.
    fileprivate func replacingTilde() -> String {
        split(separator: "~", omittingEmptySubsequences: false).joined(separator: "%7E")
    }
}

@Suite struct CannedPolicyTests {
    @Test func theResourceIsWrittenAsAJSONStringLikePythonsJSONDumps() {
        // json.dumps('https://h/a"b\\c\x01d') == '"https://h/a\\"b\\\\c\\u0001d"'
        let statement = CannedPolicy.statement(resource: Array("https://h/a\"b\\c\u{01}d".utf8), expires: Array("10".utf8))
        #expect(String(decoding: statement, as: UTF8.self)
            == #"{"Statement":[{"Resource":"https://h/a\"b\\c\u0001d","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}"#)
        // Whatever the URL holds, the statement parses back to that URL and that expiry.
        let parsed = try? PolicyStatement.parseCustom(statement)
        #expect(parsed?.resource?.text == "https://h/a\"b\\c\u{01}d")
        #expect(parsed?.dateLessThan == 10)
    }
}
