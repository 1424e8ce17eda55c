@testable import EdgeOrigin
import EdgeTLS
import Foundation
import Testing

@Suite struct SigningKeyCacheTests {
    static let credentials = SigV4Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let request = SigV4Request(path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com")])

    @Test func derivedKeyMatchesTheS3DocumentationKey() {
        // `derived_signing_key_hex` of s3-doc-examples.json (20130524, us-east-1, s3).
        let key = SigningKeyCache().signingKey(
            for: .init(secretAccessKey: Self.credentials.secretAccessKey, date: "20130524", region: "us-east-1", service: "s3")
        )
        #expect(HexEncoding.lowercase(key) == "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378")
    }

    @Test func sameDayReusesTheKeyAndANewDayDerivesANewOne() {
        let cache = SigningKeyCache()
        let scope = SigningKeyCache.Scope(secretAccessKey: "secret", date: "20260314", region: "eu-west-2", service: "s3")
        let first = cache.signingKey(for: scope)
        let again = cache.signingKey(for: scope)
        #expect(first == again)
        #expect(cache.derivationCount == 1)

        var tomorrow = scope
        tomorrow.date = "20260315"
        let next = cache.signingKey(for: tomorrow)
        #expect(next != first)
        #expect(next == SigningKeyCache.derive(tomorrow))
        #expect(cache.derivationCount == 2)
    }

    @Test func signerDerivesOncePerUTCDay() throws {
        let cache = SigningKeyCache()
        let signer = SigV4Signer(region: "eu-west-2", keyCache: cache)
        for time in ["20260314T000000Z", "20260314T120000Z", "20260314T235959Z"] {
            _ = try signer.sign(Self.request, credentials: Self.credentials, date: amzDate(time))
        }
        #expect(cache.derivationCount == 1)
        _ = try signer.sign(Self.request, credentials: Self.credentials, date: amzDate("20260315T000000Z"))
        #expect(cache.derivationCount == 2)
    }

    @Test func rotatedSecretGetsItsOwnKey() throws {
        let cache = SigningKeyCache()
        let signer = SigV4Signer(region: "eu-west-2", keyCache: cache)
        let date = amzDate("20260314T092653Z")
        var rotated = Self.credentials
        rotated.secretAccessKey = "a-new-secret"
        let before = try signer.sign(Self.request, credentials: Self.credentials, date: date)
        let after = try signer.sign(Self.request, credentials: rotated, date: date)
        #expect(before.signature != after.signature)
        #expect(cache.derivationCount == 2)
    }

    @Test func fullCacheStillReturnsCorrectKeys() {
        let cache = SigningKeyCache(capacity: 2)
        let regions = ["eu-west-2", "us-east-1", "ap-south-1", "eu-west-2"]
        for region in regions {
            let scope = SigningKeyCache.Scope(secretAccessKey: "secret", date: "20260314", region: region, service: "s3")
            #expect(cache.signingKey(for: scope) == SigningKeyCache.derive(scope))
        }
    }

    @Test func concurrentSignersAgree() async throws {
        let signer = SigV4Signer(region: "eu-west-2")
        let date = amzDate("20260314T092653Z")
        let expected = try signer.sign(Self.request, credentials: Self.credentials, date: date).signature
        let signatures = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 {
                group.addTask { try signer.sign(Self.request, credentials: Self.credentials, date: date).signature }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(signatures.count == 64)
        #expect(Set(signatures) == [expected])
        #expect(signer.keyCache.derivationCount == 1)
    }
}
