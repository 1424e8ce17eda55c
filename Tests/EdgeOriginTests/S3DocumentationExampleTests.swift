import EdgeOrigin
import Testing

/// The five worked examples of the Amazon S3 API Reference (`Fixtures/sigv4/s3-doc-examples.json`).
@Suite struct S3DocumentationExampleTests {
    struct Examples: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
        }
        var credentials: Credentials
        var region: String
        var service: String
        var timestamp: String
        var cases: [Example]
    }

    struct Example: Decodable, Sendable, CustomTestStringConvertible {
        var id: String
        var method: String
        var host: String
        var path: String
        var query: String
        var headers: [String: String]
        var payloadHash: String
        var expiresSeconds: Int?
        var canonicalRequest: String
        var expectedStringToSign: String
        var expectedSignature: String
        var expectedAuthorizationAsPrintedInDoc: String?
        var expectedPresignedUrl: String?
        var testDescription: String { id }
    }

    static func examples() throws -> Examples {
        try FixtureFiles.json(Examples.self, "sigv4/s3-doc-examples.json")
    }

    static let ids = ["get-object-range", "put-object", "get-bucket-lifecycle", "get-bucket-list-objects", "presigned-get-object"]

    static func request(_ example: Example, path: String? = nil) -> SigV4Request {
        let query: [(name: String, value: String)] =
            example.expiresSeconds != nil || example.query.isEmpty
            ? []  // the presigned example's `query` field is the output, not an input
            : example.query.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
        return SigV4Request(
            method: example.method, path: path ?? example.path, query: query,
            headers: example.headers.map { ($0.key, $0.value) },
            payloadHash: example.payloadHash == "UNSIGNED-PAYLOAD" ? .unsignedPayload : SigV4PayloadHash(sha256Hex: example.payloadHash)
        )
    }

    @Test(arguments: ids)
    func signsLikeTheS3Documentation(_ id: String) throws {
        let examples = try Self.examples()
        let example = try #require(examples.cases.first { $0.id == id })
        let credentials = SigV4Credentials(
            accessKeyID: examples.credentials.accessKeyId, secretAccessKey: examples.credentials.secretAccessKey
        )
        let signer = SigV4Signer(region: examples.region, service: examples.service, options: .s3)
        let date = amzDate(examples.timestamp)

        if let expires = example.expiresSeconds {
            let presigned = try signer.presign(Self.request(example), credentials: credentials, date: date, expires: .seconds(expires))
            #expect(presigned.canonicalRequest == example.canonicalRequest)
            #expect(presigned.stringToSign == example.expectedStringToSign)
            #expect(presigned.signature == example.expectedSignature)
            #expect("https://\(example.host)\(example.path)?\(presigned.query)" == example.expectedPresignedUrl)
        } else {
            let signed = try signer.sign(Self.request(example), credentials: credentials, date: date)
            #expect(signed.canonicalRequest == example.canonicalRequest)
            #expect(signed.stringToSign == example.expectedStringToSign)
            #expect(signed.signature == example.expectedSignature)
            if let printed = example.expectedAuthorizationAsPrintedInDoc {
                // The page prints the header without the space after each comma; S3 accepts both.
                #expect(signed.authorization.replacingOccurrences(of: ", ", with: ",") == printed)
            }
        }
    }

    @Test func encodedObjectPathSignsTheSameAsTheRawOne() throws {
        // `test$file.text` is sent as S3ObjectPath encodes it; the signature must not change
        // (single encoding: `%24` is not encoded again).
        let examples = try Self.examples()
        let example = try #require(examples.cases.first { $0.id == "put-object" })
        let wirePath = S3ObjectPath.encode(key: "test$file.text")
        #expect(wirePath == "/test%24file.text")
        let signed = try SigV4Signer(region: examples.region, options: .s3).sign(
            Self.request(example, path: wirePath),
            credentials: SigV4Credentials(accessKeyID: examples.credentials.accessKeyId, secretAccessKey: examples.credentials.secretAccessKey),
            date: amzDate(examples.timestamp)
        )
        #expect(signed.canonicalRequest == example.canonicalRequest)
        #expect(signed.signature == example.expectedSignature)
    }
}
