@testable import EdgeSignedURL
import Testing

/// The AWS SDK for Ruby's older vectors (`Fixtures/aws-sdk-ruby/`): RSA-SHA1 with its 1024-bit
/// dummy key under `CF_KEYPAIR_ID`, expiring 2013-01-01T10:00Z.
struct RubyVector: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var kind: String
    var url: String
    var expires: Int64?
    var policyJson: String
    var expected_url: String?
    var expected_cookies: [String: String]?

    var testDescription: String { id }
    /// The policy's Resource is the URL itself, not a relative path (the SDK's older form).
    var hasAbsoluteResource: Bool { policyJson.contains(#""Resource":"http"#) }
}

struct RubyVectorFile: Decodable, Sendable {
    var keyPairId: String
    var cases: [RubyVector]
}

@Suite struct RubySDKVectorTests {
    static let file = try? Fixtures.json(RubyVectorFile.self, "aws-sdk-ruby/ruby-sdk-vectors.json")
    static let cases = file?.cases ?? []
    static let expires: Int64 = 1_357_034_400

    static func keys() throws -> TrustedKeyStore {
        // The dummy key is a private key; s3edge takes only public keys, so derive that half.
        let signer = TestSigningKey(privatePEM: try Fixtures.bytes("aws-sdk-ruby/rsa_dummy_key.pem"))
        return try TrustedKeyStore([TrustedKey(id: "CF_KEYPAIR_ID", pem: signer.publicPEM)], cacheCapacity: 0)
    }

    static func request(_ vector: RubyVector) -> (ViewerURL, [(name: String, value: String)]) {
        if let expectedURL = vector.expected_url, let url = ViewerURL(expectedURL) {
            return (url, [])
        }
        let cookies = (vector.expected_cookies ?? [:]).map { (name: $0.key, value: $0.value) }
        return (ViewerURL(vector.url)!, cookies)
    }

    @Test func theFixtureHoldsSixCases() {
        #expect(Self.cases.count == 6)
        #expect(Self.file?.keyPairId == "CF_KEYPAIR_ID")
    }

    /// Each signature verifies over the case's policy bytes with the dummy key.
    @Test(arguments: cases)
    func theSignatureVerifiesOverThePolicy(_ vector: RubyVector) throws {
        let key = try #require(try Self.keys().key(id: "CF_KEYPAIR_ID"))
        let encoded = try #require(vector.expected_cookies?["CloudFront-Signature"]
            ?? vector.expected_url?.split(separator: "&").first { $0.hasPrefix("Signature=") }.map { String($0.dropFirst(10)) })
        let signature = try #require(CloudFrontBase64.decode(encoded.utf8))
        #expect(key.verify(signature: signature, message: Array(vector.policyJson.utf8), hash: .sha1))
        #expect(!key.verify(signature: signature, message: Array(vector.policyJson.utf8), hash: .sha256))
        var flipped = Array(vector.policyJson.utf8)
        flipped[flipped.count / 2] ^= 1
        #expect(!key.verify(signature: signature, message: flipped, hash: .sha1))
    }

    /// Requests built from the expected URLs and cookies, just before the 2013 expiry: absolute
    /// resources are granted; the SDK's relative resources (`images/image.jpg`, an RTMP stream
    /// name) match no request URL, and CloudFront's rule that a Resource begins with `http://`,
    /// `https://` or `*` makes them useless for web distributions: refused as a mismatch, after
    /// the signature itself verified.
    @Test(arguments: cases)
    func requestsFromTheExpectedOutput(_ vector: RubyVector) throws {
        let keys = try Self.keys()
        guard vector.url.hasPrefix("http") else {
            // RTMP: the "URL" is the stream path (`videos/example.mp4?Expires=…`), no web request.
            #expect(vector.expected_url?.hasPrefix("videos/example.mp4?") == true)
            return
        }
        let (url, cookies) = Self.request(vector)
        let kind: Grant.PolicyKind = vector.expires == nil ? .custom : .canned
        let source: Grant.Source = cookies.isEmpty ? .url : .cookies
        let ip = "10.52.176.9"
        let expected: Outcome = vector.hasAbsoluteResource ? .granted(source, kind) : .denied(.resourceMismatch)
        #expect(outcome(url, cookies: cookies, ip: ip, at: Self.expires - 60, keys: keys) == expected)
        #expect(outcome(url, cookies: cookies, ip: ip, at: Self.expires, keys: keys) == .denied(.expired))
    }

    /// The URL whose path holds `s3://` is rebuilt byte for byte into the canned statement.
    @Test func aURLLikePathIsKeptVerbatim() throws {
        let vector = try #require(Self.cases.first { $0.id == "ruby-canned-policy-url-like-path" })
        let (url, _) = Self.request(vector)
        #expect(url.path == "/images/from/s3://bucket/file.jpg")
        let statement = CannedPolicy.statement(resource: url.resourceBytes(), expires: Array(String(Self.expires).utf8))
        #expect(String(decoding: statement, as: UTF8.self) == vector.policyJson)
    }
}
