@testable import EdgeSignedURL
import Testing

/// One case of the CloudFront URL & Cookie Signer shared test cases (aws-cli's
/// `tests/functional/cloudfront/testdata/`), as `Fixtures/aws-cli/*.json` holds them.
struct SignerVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Input: Decodable, Sendable {
        var resource: String
        var keyPairId: String
        var privateKeyFile: String
        var expirationDate: Int64?
        var activeDate: Int64?
        var ipRange: String?
        var hashAlgorithm: String?
    }

    struct Expected: Decodable, Sendable {
        var policyJson: String?
        var queryParams: [String: String]?
        var cookies: [String: String]?
        var signature: String?
        var signatureAlgorithm: String?
        var applyTo: String?
        var verifyCryptographically: Bool?
        var error: Bool?
    }

    var id: String
    var input: Input
    var expected: Expected

    var testDescription: String { id }
    var isError: Bool { expected.error == true }
    var hash: HashAlgorithm { input.hashAlgorithm == "SHA256" ? .sha256 : .sha1 }
    var isCanned: Bool { expected.queryParams?["Expires"] != nil || expected.cookies?["CloudFront-Expires"] != nil }
    var policyBytes: [UInt8] { Array((expected.policyJson ?? "").utf8) }
    /// The URL the viewer requests: the case's `applyTo` for wildcard resources, else the
    /// resource (or, for a cookie policy on `/*`, an object under it).
    var requestBase: String { expected.applyTo ?? input.resource.replacingStar(with: "private/report.pdf") }
    /// Inside every window the case sets: the last second before expiry.
    var validAt: Int64 { (input.expirationDate ?? 0) - 1 }
    var clientIP: String { input.ipRange.map(addressInside) ?? "203.0.113.9" }

    /// The fixed signature, or (ECDSA, randomized) a fresh one by the case's private key.
    func signature() throws -> String {
        if let fixed = expected.signature ?? expected.cookies?["CloudFront-Signature"] { return fixed }
        let key = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/\(input.privateKeyFile)"))
        return CloudFrontBase64.encode(key.sign(policyBytes, hash: hash))
    }

    static func load(_ file: String) throws -> [SignerVector] {
        try Fixtures.json([SignerVector].self, "aws-cli/\(file)")
    }
}

extension String {
    fileprivate func replacingStar(with replacement: String) -> String {
        hasSuffix("/*") ? String(dropLast()) + replacement : self
    }
}

/// Every signed-URL case of `sign-test-cases.json`: each valid one verifies as the signer laid
/// it out, each tampered variant is refused for the right reason, and each signer error case
/// has a verifier counterpart that fails.
@Suite struct AWSCLIURLVectorTests {
    static let cases: [SignerVector] = (try? SignerVector.load("sign-test-cases.json")) ?? []
    static let valid = cases.filter { !$0.isError }
    static let errors = cases.filter(\.isError)

    @Test func theFixtureHoldsTheDocumentedCounts() {
        // README: 19 URL cases, 13 of them valid (11 fixed RSA signatures, 2 ECDSA) and 6 errors.
        #expect(Self.cases.count == 19)
        #expect(Self.valid.count == 13)
        #expect(Self.valid.filter { $0.expected.signature != nil }.count == 11)
        #expect(Self.errors.count == 6)
    }

    /// The URL the signer's expected output describes: its query parameters after the base.
    static func url(_ vector: SignerVector) throws -> ViewerURL {
        var parameters: [(String, String)] = []
        if vector.isCanned {
            parameters.append(("Expires", String(vector.input.expirationDate ?? 0)))
        } else {
            parameters.append(("Policy", CloudFrontBase64.encode(vector.policyBytes)))
        }
        parameters.append(("Signature", try vector.signature()))
        parameters.append(("Key-Pair-Id", vector.input.keyPairId))
        if vector.hash == .sha256 { parameters.append(("Hash-Algorithm", "SHA256")) }
        return signedURL(vector.requestBase, parameters)
    }

    @Test(arguments: valid)
    func validURLVerifies(_ vector: SignerVector) throws {
        let url = try Self.url(vector)
        // The layout is the one the case expects.
        for (name, value) in vector.expected.queryParams ?? [:] {
            #expect(parameter(name, in: url) == value, "\(name)")
        }
        let keys = try Fixtures.awsCLIKeys()
        #expect(outcome(url, ip: vector.clientIP, at: vector.validAt, keys: keys) == .granted(.url, vector.isCanned ? .canned : .custom))
        let grant = try SignedRequestVerifier.verify(
            url: url, cookies: [], clientIP: IPAddress(vector.clientIP), now: vector.validAt, keys: keys
        ).get()
        #expect(grant.keyPairID == vector.input.keyPairId)
        #expect(grant.hashAlgorithm == vector.hash)
        #expect(grant.expires == vector.input.expirationDate)
    }

    @Test(arguments: valid.filter(\.isCanned))
    func theCannedStatementIsTheSignedPolicy(_ vector: SignerVector) throws {
        let url = try Self.url(vector)
        let statement = CannedPolicy.statement(resource: url.resourceBytes(), expires: Array(String(vector.input.expirationDate ?? 0).utf8))
        #expect(String(decoding: statement, as: UTF8.self) == vector.expected.policyJson)
    }

    @Test(arguments: valid)
    func tamperedURLsAreRefused(_ vector: SignerVector) throws {
        let url = try Self.url(vector)
        let keys = try Fixtures.awsCLIKeys()
        let ip = vector.clientIP
        let now = vector.validAt
        let isWildcard = vector.expected.applyTo != nil
        // The canned resource is inside the signed bytes; a custom policy names it instead.
        let changedResource: Outcome = vector.isCanned ? .denied(.badSignature) : .denied(.resourceMismatch)

        var path = url
        path.path = "/x" + url.path.dropFirst()
        #expect(outcome(path, ip: ip, at: now, keys: keys) == changedResource, "tampered path")

        var query = url
        query.query = "extra=1&" + (url.query ?? "")
        // `*` matches the query too: CloudFront's own example `*game_download.zip*` covers
        // `example_game_download.zip?license=yes`.
        #expect(outcome(query, ip: ip, at: now, keys: keys) == (isWildcard ? .granted(.url, .custom) : changedResource), "tampered query")

        var host = url
        host.host = "d222222abcdef8.cloudfront.net"
        #expect(outcome(host, ip: ip, at: now, keys: keys) == changedResource, "other host")

        let signature = try #require(parameter("Signature", in: url))
        let truncated = replacing("Signature", with: String(signature.dropLast(4)), in: url)
        #expect(outcome(truncated, ip: ip, at: now, keys: keys) == .denied(.badSignature), "truncated signature")
        let unknown = replacing("Key-Pair-Id", with: "K9UNKNOWNKEY", in: url)
        #expect(outcome(unknown, ip: ip, at: now, keys: keys) == .denied(.unknownKeyID), "unknown key id")

        // Another RSA key (the Ruby SDK's dummy key), or a fresh P-256 key, signing the same policy.
        let otherKey = vector.input.keyPairId == "K1TESTKEY"
            ? TestSigningKey(privatePEM: try Fixtures.bytes("aws-sdk-ruby/rsa_dummy_key.pem")) : TestSigningKey()
        let forged = CloudFrontBase64.encode(otherKey.sign(vector.policyBytes, hash: vector.hash))
        #expect(outcome(replacing("Signature", with: forged, in: url), ip: ip, at: now, keys: keys) == .denied(.badSignature), "wrong key")

        #expect(outcome(url, ip: ip, at: now + 1, keys: keys) == .denied(.expired), "at expiry")
        #expect(outcome(url, ip: ip, at: now + 86_400 * 365, keys: keys) == .denied(.expired), "a year later")

        if let active = vector.input.activeDate {
            #expect(outcome(url, ip: ip, at: active, keys: keys) == .denied(.notYetValid), "at DateGreaterThan")
            #expect(outcome(url, ip: ip, at: active + 1, keys: keys) == .granted(.url, .custom), "just after DateGreaterThan")
        }
        if vector.input.ipRange != nil {
            #expect(outcome(url, ip: "172.16.0.1", at: now, keys: keys) == .denied(.ipNotAllowed), "outside the range")
            #expect(outcome(url, ip: nil, at: now, keys: keys) == .denied(.ipNotAllowed), "no address known")
            #expect(outcome(url, ip: "2001:db8::1", at: now, keys: keys) == .denied(.ipNotAllowed), "an IPv6 viewer")
            #expect(outcome(url, ip: "::ffff:\(ip)", at: now, keys: keys) == .granted(.url, .custom), "IPv4-mapped form")
        }

        // The digest is part of what was signed: dropping or changing Hash-Algorithm breaks it.
        if vector.hash == .sha256 {
            let withoutHash = replacing("Hash-Algorithm", with: nil, in: url)
            let expected: Outcome = vector.expected.signatureAlgorithm == "ECDSA-SHA256" ? .denied(.unsupportedHashAlgorithm) : .denied(.badSignature)
            #expect(outcome(withoutHash, ip: ip, at: now, keys: keys) == expected, "Hash-Algorithm removed")
        } else {
            var withHash = url
            withHash.query = (url.query ?? "") + "&Hash-Algorithm=SHA256"
            #expect(outcome(withHash, ip: ip, at: now, keys: keys) == .denied(.badSignature), "Hash-Algorithm added")
        }
        var sha512 = replacing("Hash-Algorithm", with: nil, in: url)
        sha512.query = (sha512.query ?? "") + "&Hash-Algorithm=SHA512"
        #expect(outcome(sha512, ip: ip, at: now, keys: keys) == .denied(.unsupportedHashAlgorithm), "Hash-Algorithm SHA512")
    }

    // MARK: the signer error cases, from the verifier's side

    @Test func eachErrorCaseHasAVerifierCounterpart() {
        #expect(Set(Self.errors.map(\.id)) == [
            "ecdsa-canned-policy-url-sha1-reject", "error-missing-expiration", "error-active-after-expiration",
            "error-unsupported-key-type", "json-injection-resource-url-reject", "json-injection-ip-range-reject",
        ])
    }

    /// `ecdsa-canned-policy-url-sha1-reject`: signers refuse ECDSA with SHA-1, and so does the
    /// verifier, whether `Hash-Algorithm=SHA1` is written or left to the default.
    @Test func ecdsaWithSHA1IsRefused() throws {
        let vector = try #require(Self.errors.first { $0.id == "ecdsa-canned-policy-url-sha1-reject" })
        let keys = try Fixtures.awsCLIKeys()
        let resource = vector.input.resource
        let expires = try #require(vector.input.expirationDate)
        let statement = CannedPolicy.statement(resource: Array(resource.utf8), expires: Array(String(expires).utf8))
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/\(vector.input.privateKeyFile)"))
        let signature = CloudFrontBase64.encode(signer.sign(statement, hash: .sha1))
        for hashParameter in [[("Hash-Algorithm", "SHA1")], []] {
            let url = signedURL(resource, [("Expires", String(expires)), ("Signature", signature), ("Key-Pair-Id", "K2ECDSATEST")] + hashParameter)
            #expect(outcome(url, at: expires - 10, keys: keys) == .denied(.unsupportedHashAlgorithm))
        }
    }

    /// `error-missing-expiration`: a URL without `Expires` or `Policy`, and a signed policy
    /// without `DateLessThan`, are refused.
    @Test func aMissingExpiryIsRefused() throws {
        let vector = try #require(Self.errors.first { $0.id == "error-missing-expiration" })
        let keys = try Fixtures.awsCLIKeys()
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/test-rsa-key.pem"))
        let resource = vector.input.resource
        let noCondition = Array(#"{"Statement":[{"Resource":"\#(resource)","Condition":{}}]}"#.utf8)
        let signature = CloudFrontBase64.encode(signer.sign(noCondition, hash: .sha1))

        let bare = signedURL(resource, [("Signature", signature), ("Key-Pair-Id", "K1TESTKEY")])
        #expect(outcome(bare, at: 1_767_000_000, keys: keys) == .denied(.malformed("neither Expires nor Policy")))

        let policy = signedURL(resource, [("Policy", CloudFrontBase64.encode(noCondition)), ("Signature", signature), ("Key-Pair-Id", "K1TESTKEY")])
        #expect(outcome(policy, at: 1_767_000_000, keys: keys) == .denied(.malformed("policy has no DateLessThan (CloudFront requires an expiry)")))
    }

    /// `error-active-after-expiration`: a policy whose start is after its expiry is never valid.
    @Test(arguments: [Int64(1_767_000_000), 1_767_199_999, 1_767_200_000, 1_767_250_000, 1_767_290_400, 1_767_300_000])
    func aStartAfterTheExpiryIsNeverValid(_ now: Int64) throws {
        let vector = try #require(Self.errors.first { $0.id == "error-active-after-expiration" })
        let keys = try Fixtures.awsCLIKeys()
        let lessThan = try #require(vector.input.expirationDate)
        let greaterThan = try #require(vector.input.activeDate)
        let policy = Array(#"{"Statement":[{"Resource":"\#(vector.input.resource)","Condition":{"DateLessThan":{"AWS:EpochTime":\#(lessThan)},"DateGreaterThan":{"AWS:EpochTime":\#(greaterThan)}}}]}"#.utf8)
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/test-rsa-key.pem"))
        let url = signedURL(vector.input.resource, [
            ("Policy", CloudFrontBase64.encode(policy)), ("Signature", CloudFrontBase64.encode(signer.sign(policy, hash: .sha1))),
            ("Key-Pair-Id", "K1TESTKEY"),
        ])
        #expect(outcome(url, at: now, keys: keys) == .denied(now >= lessThan ? .expired : .notYetValid))
    }

    /// `error-unsupported-key-type`: a DSA key cannot become a trusted key.
    @Test func aDSAKeyIsNotTrusted() throws {
        let vector = try #require(Self.errors.first { $0.id == "error-unsupported-key-type" })
        #expect(vector.input.privateKeyFile == "test-dsa-key.pem")
        #expect(throws: TrustedKeyError(keyID: "K1TESTKEY", source: "PEM text", reason: .unsupportedType("DSA"))) {
            try TrustedKey(id: "K1TESTKEY", pem: Fixtures.bytes("derived/dsa-public.pem"))
        }
        #expect(throws: TrustedKeyError(keyID: "K1TESTKEY", source: "PEM text", reason: .privateKey(label: "PRIVATE KEY"))) {
            try TrustedKey(id: "K1TESTKEY", pem: Fixtures.bytes("aws-cli/test-dsa-key.pem"))
        }
    }

    /// `json-injection-resource-url-reject`: a signer that pasted the quoted resource into the
    /// canned template unescaped signed bytes no request can reproduce (s3edge escapes the
    /// quotes when it rebuilds the statement), and as a custom policy the same bytes are refused
    /// for the duplicate `Resource`.
    @Test func aResourceWithInjectedJSONIsRefused() throws {
        let vector = try #require(Self.errors.first { $0.id == "json-injection-resource-url-reject" })
        let keys = try Fixtures.awsCLIKeys()
        let expires = try #require(vector.input.expirationDate)
        let naive = Array(#"{"Statement":[{"Resource":"\#(vector.input.resource)","Condition":{"DateLessThan":{"AWS:EpochTime":\#(expires)}}}]}"#.utf8)
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/test-rsa-key.pem"))
        let signature = CloudFrontBase64.encode(signer.sign(naive, hash: .sha1))
        let injectedURL = ViewerURL(scheme: "https", host: "example.com", path: #"/file","Resource":"*","x":""#,
                                    query: "Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=K1TESTKEY")
        #expect(outcome(injectedURL, at: expires - 1, keys: keys) == .denied(.badSignature))

        let custom = signedURL("https://example.com/file", [("Policy", CloudFrontBase64.encode(naive)), ("Signature", signature), ("Key-Pair-Id", "K1TESTKEY")])
        #expect(outcome(custom, at: expires - 1, keys: keys) == .denied(.malformed("policy: Resource appears twice in the statement")))
    }

    /// `json-injection-ip-range-reject`: an `AWS:SourceIp` that smuggled a second `IpAddress` is
    /// refused, never read as "any address" (pasted unescaped, it also unbalances the braces).
    @Test func anIPRangeWithInjectedJSONIsRefused() throws {
        let vector = try #require(Self.errors.first { $0.id == "json-injection-ip-range-reject" })
        let keys = try Fixtures.awsCLIKeys()
        let expires = try #require(vector.input.expirationDate)
        let ipRange = try #require(vector.input.ipRange)
        let naive = Array(#"{"Statement":[{"Resource":"\#(vector.input.resource)","Condition":{"DateLessThan":{"AWS:EpochTime":\#(expires)},"IpAddress":{"AWS:SourceIp":"\#(ipRange)"}}}]}"#.utf8)
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-cli/test-rsa-key.pem"))
        let url = signedURL(vector.input.resource, [
            ("Policy", CloudFrontBase64.encode(naive)), ("Signature", CloudFrontBase64.encode(signer.sign(naive, hash: .sha1))),
            ("Key-Pair-Id", "K1TESTKEY"),
        ])
        let result = outcome(url, ip: "198.51.100.1", at: expires - 1, keys: keys)
        guard case .denied(.malformed(let why)) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(why.hasPrefix("policy JSON: "))
    }
}
