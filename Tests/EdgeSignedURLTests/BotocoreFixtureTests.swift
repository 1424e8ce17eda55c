@testable import EdgeSignedURL
import Testing

/// URLs and cookies made by botocore's `CloudFrontSigner` (with `cryptography` signing) and by
/// `aws cloudfront sign`, with RSA-2048 and P-256 keys: `Fixtures/botocore/generate.py`.
struct BotocoreCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var kind: String
    var keyPairId: String
    var hashAlgorithm: String
    var policy: String
    var request: String
    var cookies: [String: String]
    var clientIp: String
    var validAt: Int64
    var expires: Int64
    var notBefore: Int64?
    var sourceIp: String?

    var testDescription: String { id }
    var cookiePairs: [(name: String, value: String)] { cookies.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name } }
    var source: Grant.Source { kind == "url" ? .url : .cookies }
    var policyKind: Grant.PolicyKind { policy == "canned" ? .canned : .custom }
    var url: ViewerURL { ViewerURL(request)! }
}

struct BotocoreFixture: Decodable, Sendable {
    var keys: [String: String]
    var cases: [BotocoreCase]
}

@Suite struct BotocoreFixtureTests {
    static let fixture = try? Fixtures.json(BotocoreFixture.self, "botocore/botocore-signed.json")
    static let cases = fixture?.cases ?? []

    static func keys(cacheCapacity: Int = 0) throws -> TrustedKeyStore {
        let fixture = try #require(Self.fixture)
        return try TrustedKeyStore(fixture.keys.sorted { $0.key < $1.key }.map { try TrustedKey(id: $0.key, pem: Array($0.value.utf8)) },
                                   cacheCapacity: cacheCapacity)
    }

    @Test func theKeysAreRSA2048AndP256() throws {
        let keys = try Self.keys()
        #expect(keys.key(id: "K2RSA2048BOTOCORE")?.kind == .rsa(bits: 2048))
        #expect(keys.key(id: "K3ECDSAP256BOTOCORE")?.kind == .ecdsaP256)
        #expect(keys.weakKeys.isEmpty)
        #expect(Self.cases.count == 12)
    }

    @Test(arguments: cases)
    func signedRequestsAreGranted(_ signed: BotocoreCase) throws {
        let keys = try Self.keys()
        let result = SignedRequestVerifier.verify(url: signed.url, cookies: signed.cookiePairs, clientIP: IPAddress(signed.clientIp),
                                                  now: signed.validAt, keys: keys)
        let grant = try result.get()
        #expect(grant.source == signed.source)
        #expect(grant.policy == signed.policyKind)
        #expect(grant.keyPairID == signed.keyPairId)
        #expect(grant.hashAlgorithm.rawValue == signed.hashAlgorithm)
        #expect(grant.expires == signed.expires)
    }

    @Test(arguments: cases)
    func alteredRequestsAreRefused(_ signed: BotocoreCase) throws {
        let keys = try Self.keys()
        let ip = signed.clientIp
        let cookies = signed.cookiePairs
        let changedResource: Outcome = signed.policyKind == .canned ? .denied(.badSignature) : .denied(.resourceMismatch)

        var otherObject = signed.url
        otherObject.path = "/public" + signed.url.path
        let sitewide = signed.id.contains("site")
        #expect(outcome(otherObject, cookies: cookies, ip: ip, at: signed.validAt, keys: keys)
            == (sitewide ? .granted(signed.source, .custom) : changedResource), "other object")

        #expect(outcome(signed.url, cookies: cookies, ip: ip, at: signed.expires, keys: keys) == .denied(.expired), "expired")
        if let notBefore = signed.notBefore {
            #expect(outcome(signed.url, cookies: cookies, ip: ip, at: notBefore, keys: keys) == .denied(.notYetValid), "not yet valid")
        }
        if signed.sourceIp != nil {
            let outside = ip.contains(":") ? "2001:db9::1" : "203.0.113.250"
            #expect(outcome(signed.url, cookies: cookies, ip: outside, at: signed.validAt, keys: keys) == .denied(.ipNotAllowed), "wrong IP")
        }
        if signed.source == .url {
            let signature = try #require(parameter("Signature", in: signed.url))
            #expect(outcome(replacing("Signature", with: String(signature.dropLast(8)), in: signed.url), ip: ip, at: signed.validAt, keys: keys)
                == .denied(.badSignature), "truncated signature")
            #expect(outcome(replacing("Key-Pair-Id", with: "APKAUNKNOWN", in: signed.url), ip: ip, at: signed.validAt, keys: keys)
                == .denied(.unknownKeyID), "unknown key id")
            // The other fixture key: an RSA signature presented as ECDSA, or the reverse.
            let otherID = signed.keyPairId == "K2RSA2048BOTOCORE" ? "K3ECDSAP256BOTOCORE" : "K2RSA2048BOTOCORE"
            var wrongKey = replacing("Key-Pair-Id", with: otherID, in: signed.url)
            if signed.hashAlgorithm == "SHA1" { wrongKey.query = (wrongKey.query ?? "") + "&Hash-Algorithm=SHA256" }
            #expect(outcome(wrongKey, ip: ip, at: signed.validAt, keys: keys) == .denied(.badSignature), "wrong key")
        }
    }

    /// The CLI's custom URL carries the policy botocore's `build_policy` writes, `/32` added
    /// to a single address (`ip_address="198.51.100.23"` became `198.51.100.23/32`).
    @Test func theSingleAddressPolicyAllowsOnlyThatAddress() throws {
        let signed = try #require(Self.cases.first { $0.id == "botocore-rsa-sha1-custom-single-ip-question-mark" })
        let keys = try Self.keys()
        #expect(outcome(signed.url, ip: "198.51.100.23", at: signed.validAt, keys: keys) == .granted(.url, .custom))
        #expect(outcome(signed.url, ip: "198.51.100.24", at: signed.validAt, keys: keys) == .denied(.ipNotAllowed))
        // `r-??.pdf?v=*`: two characters, then the query.
        var three = signed.url
        three.path = "/receipts/r-421.pdf"
        #expect(outcome(three, ip: "198.51.100.23", at: signed.validAt, keys: keys) == .denied(.resourceMismatch))
    }
}
