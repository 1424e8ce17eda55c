import EdgeOrigin
import Testing

/// Awkward S3 keys signed by botocore (`Fixtures/s3-golden/golden.json`, written by
/// `generate.py` with botocore's S3SigV4Auth and S3SigV4QueryAuth at a fixed time).
///
/// S3's documented rule (each key byte outside `A-Za-z0-9-._~` as `%XX`, `/` kept, encoded once)
/// is what s3edge follows: it is what the service verifies. botocore, what AWS clients do, encodes
/// keys with `quote(key, safe='/~')`, which keeps exactly the same set; the generator checks every
/// key against an independent implementation of the documented rule and found no difference, so
/// s3edge, botocore and the documented rule send and sign the same bytes for all of these keys.
@Suite struct S3GoldenTests {
    struct Golden: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
            var sessionToken: String
        }
        struct Comparison: Decodable {
            struct Difference: Decodable {
                var key: String
                var botocore: String
                var s3Rule: String
            }
            var differences: [Difference]
        }
        var timestamp: String
        var region: String
        var service: String
        var bucket: String
        var credentials: Credentials
        var expiresSeconds: Int
        var botocoreVsS3Rule: Comparison
        var cases: [Case]
    }

    struct Case: Decodable, Sendable {
        var id: String
        var form: String
        var key: String
        var addressingStyle: String
        var sessionToken: Bool
        var host: String
        var path: String
        var objectPathS3Rule: String
        var botocorePathMatchesS3Rule: Bool
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String?
        var xAmzDate: String?
        var xAmzContentSha256: String?
        var presignedUrl: String?
    }

    static func golden() throws -> Golden {
        try FixtureFiles.json(Golden.self, "s3-golden/golden.json")
    }

    /// The case ids, read when the tests are collected so each case reports on its own.
    static let caseIDs: [String] = (try? golden().cases.map(\.id)) ?? []

    @Test func goldenFileHasEveryKeyInEveryForm() throws {
        let golden = try Self.golden()
        // 12 keys × header/presigned × virtual/path × with/without session token.
        #expect(golden.cases.count == 96)
        #expect(Self.caseIDs.count == golden.cases.count)
        #expect(golden.botocoreVsS3Rule.differences.isEmpty, "botocore's wire path differs from S3's rule: document it")
        #expect(golden.cases.allSatisfy { $0.botocorePathMatchesS3Rule })
    }

    @Test(arguments: caseIDs)
    func signsLikeBotocore(_ id: String) throws {
        let golden = try Self.golden()
        let expected = try #require(golden.cases.first { $0.id == id })
        let credentials = SigV4Credentials(
            accessKeyID: golden.credentials.accessKeyId, secretAccessKey: golden.credentials.secretAccessKey,
            sessionToken: expected.sessionToken ? golden.credentials.sessionToken : nil
        )

        // What s3edge would send is what botocore sent.
        #expect(S3ObjectPath.encode(key: expected.key) == expected.objectPathS3Rule)
        let path =
            expected.addressingStyle == "virtual"
            ? S3ObjectPath.encode(key: expected.key) : S3ObjectPath.encode(bucket: golden.bucket, key: expected.key)
        #expect(path == expected.path)

        let signer = SigV4Signer(region: golden.region, service: golden.service, options: .s3)
        let date = amzDate(golden.timestamp)
        if expected.form == "header" {
            let request = SigV4Request(method: "GET", path: path, headers: [("Host", expected.host)], payloadHash: .emptyBody)
            let signed = try signer.sign(request, credentials: credentials, date: date)
            #expect(signed.canonicalRequest == expected.canonicalRequest)
            #expect(signed.stringToSign == expected.stringToSign)
            #expect(signed.signature == expected.signature)
            #expect(signed.authorization == expected.authorization)
            let added = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
            #expect(added["x-amz-date"] == expected.xAmzDate)
            #expect(added["x-amz-content-sha256"] == expected.xAmzContentSha256)
            #expect(added["x-amz-security-token"] == (expected.sessionToken ? golden.credentials.sessionToken : nil))
        } else {
            let request = SigV4Request(method: "GET", path: path, headers: [("Host", expected.host)], payloadHash: .unsignedPayload)
            let presigned = try signer.presign(request, credentials: credentials, date: date, expires: .seconds(golden.expiresSeconds))
            #expect(presigned.canonicalRequest == expected.canonicalRequest)
            #expect(presigned.stringToSign == expected.stringToSign)
            #expect(presigned.signature == expected.signature)
            #expect("https://\(expected.host)\(path)?\(presigned.query)" == expected.presignedUrl)
        }
    }
}
