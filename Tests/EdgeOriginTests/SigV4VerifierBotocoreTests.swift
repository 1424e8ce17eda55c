@testable import EdgeOrigin
import EdgeTLS
import Foundation
import Testing

/// `SigV4Verifier` on requests of a real botocore CloudFront client, as they arrived on a socket
/// (`Fixtures/cloudfront-golden/golden.json`, written by `generate.py`; see its PROVENANCE.md):
/// what the AWS CLI sends to the admin API with `--endpoint-url https://127.0.0.1:9180`.
@Suite struct SigV4VerifierBotocoreTests {
    struct Golden: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
        }
        var botocoreVersion: String
        var timestamp: String
        var region: String
        var service: String
        var credentials: Credentials
        var cases: [Case]
    }

    struct Case: Decodable {
        var id: String
        var operation: String
        var sessionToken: Bool
        var method: String
        var target: String
        var headers: [[String]]
        var body: String
        var bodySha256: String
        var canonicalRequest: String
        var stringToSign: String

        var received: SigV4ReceivedRequest {
            SigV4ReceivedRequest(
                method: method, target: target, headers: headers.map { ($0[0], $0[1]) }, body: Array(body.utf8)
            )
        }
    }

    static func golden() throws -> Golden {
        try FixtureFiles.json(Golden.self, "cloudfront-golden/golden.json")
    }

    static let caseIDs: [String] = (try? golden().cases.map(\.id)) ?? []

    static func load(_ id: String) throws -> (Golden, Case) {
        let golden = try golden()
        return (golden, try #require(golden.cases.first { $0.id == id }))
    }

    static func verify(
        _ request: SigV4ReceivedRequest, _ golden: Golden, now: Date? = nil, secret: String? = nil
    ) -> Result<String, SigV4VerificationFailure> {
        SigV4Verifier(region: "us-east-1", service: "cloudfront").verify(request, now: now ?? amzDate(golden.timestamp)) {
            $0 == golden.credentials.accessKeyId ? (secret ?? golden.credentials.secretAccessKey) : nil
        }
    }

    @Test func goldenFileHasTheInvalidationOperations() throws {
        let golden = try Self.golden()
        #expect(golden.botocoreVersion == "1.44.8")
        #expect(golden.region == "us-east-1" && golden.service == "cloudfront")
        #expect(golden.cases.count == 10)
        #expect(Set(golden.cases.map(\.operation)) == ["create_invalidation", "get_invalidation", "list_invalidations"])
        #expect(golden.cases.contains { $0.target.contains("Marker=") && $0.target.contains("MaxItems=") })
        #expect(golden.cases.filter(\.sessionToken).count == 3)
    }

    @Test(arguments: caseIDs)
    func botocoreRequestVerifies(_ id: String) throws {
        let (golden, captured) = try Self.load(id)
        let request = captured.received
        #expect(HexEncoding.lowercase(SHA256.hash(captured.body.utf8)) == captured.bodySha256)

        #expect(Self.verify(request, golden) == .success(golden.credentials.accessKeyId))

        // The canonical request and string to sign the verifier rebuilds are botocore's, byte for byte.
        let verifier = SigV4Verifier(region: "us-east-1", service: "cloudfront")
        let checked = try verifier.check(request, now: amzDate(golden.timestamp))
        let rebuilt = try verifier.canonicalSignature(request, checked, secret: golden.credentials.secretAccessKey)
        #expect(rebuilt.canonicalRequest == captured.canonicalRequest)
        #expect(rebuilt.stringToSign == captured.stringToSign)
    }

    @Test(arguments: caseIDs)
    func botocoreRequestIsRefusedWhenWrongOrChanged(_ id: String) throws {
        let (golden, captured) = try Self.load(id)
        let request = captured.received
        let now = amzDate(golden.timestamp)

        #expect(Self.verify(request, golden, secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ") == .failure(.signatureMismatch))
        #expect(Self.verify(request, golden, now: now.addingTimeInterval(16 * 60)) == .failure(.requestTooOld))
        #expect(Self.verify(request, golden, now: now.addingTimeInterval(15 * 60)) == .success(golden.credentials.accessKeyId))

        var otherKey = request
        otherKey.headers = request.headers.map { header in
            header.name == "Authorization" ? (header.name, header.value.replacingOccurrences(of: "AKIAIOSFODNN7EXAMPLE", with: "AKIAIOSFODNN7EXAMPLF")) : header
        }
        #expect(Self.verify(otherKey, golden) == .failure(.unknownAccessKey))

        var s3Scoped = request
        s3Scoped.headers = request.headers.map { header in
            header.name == "Authorization" ? (header.name, header.value.replacingOccurrences(of: "/cloudfront/", with: "/s3/")) : header
        }
        #expect(Self.verify(s3Scoped, golden) == .failure(.wrongScope(.service)))

        var changedPath = request
        changedPath.target = request.target.replacingOccurrences(of: "EDFDVBD6EXAMPLE", with: "EDFDVBD6EXAMPLF")
        #expect(Self.verify(changedPath, golden) == .failure(.signatureMismatch))

        var otherPort = request
        otherPort.headers = request.headers.map { $0.name == "Host" ? ($0.name, "127.0.0.1:9181") : $0 }
        #expect(Self.verify(otherPort, golden) == .failure(.signatureMismatch))

        var withoutAuthorization = request
        withoutAuthorization.headers.removeAll { $0.name == "Authorization" }
        #expect(Self.verify(withoutAuthorization, golden) == .failure(.missingAuthorization))

        // Unsigned fields may be added, changed or dropped by anyone: they do not matter.
        var unsignedChanged = request
        unsignedChanged.headers.removeAll { $0.name == "User-Agent" || $0.name.hasPrefix("amz-sdk-") }
        unsignedChanged.headers.append(("X-Forwarded-For", "203.0.113.7"))
        #expect(Self.verify(unsignedChanged, golden) == .success(golden.credentials.accessKeyId))
    }

    @Test(arguments: caseIDs.filter { $0.contains("marker") || $0.contains("max-items") })
    func changedQueryValueIsASignatureMismatch(_ id: String) throws {
        let (golden, captured) = try Self.load(id)
        var request = captured.received
        request.target = captured.target.replacingOccurrences(of: "MaxItems=", with: "MaxItems=1")
        #expect(Self.verify(request, golden) == .failure(.signatureMismatch))
        request.target = captured.target + "&Extra=1"
        #expect(Self.verify(request, golden) == .failure(.signatureMismatch))
    }

    @Test(arguments: caseIDs.filter { $0.hasPrefix("create-invalidation") })
    func changedBodyIsASignatureMismatch(_ id: String) throws {
        let (golden, captured) = try Self.load(id)
        let request = SigV4ReceivedRequest(
            method: captured.method, target: captured.target, headers: captured.headers.map { ($0[0], $0[1]) },
            body: Array(captured.body.replacingOccurrences(of: "<Quantity>", with: "<Quantity>1").utf8)
        )
        #expect(Self.verify(request, golden) == .failure(.signatureMismatch))
    }

    @Test(arguments: caseIDs.filter { $0.hasSuffix("session-token") })
    func removedSessionTokenIsASignedHeaderMissing(_ id: String) throws {
        let (golden, captured) = try Self.load(id)
        var request = captured.received
        request.headers.removeAll { $0.name == "X-Amz-Security-Token" }
        #expect(Self.verify(request, golden) == .failure(.signedHeaderMissing("x-amz-security-token")))
    }
}
