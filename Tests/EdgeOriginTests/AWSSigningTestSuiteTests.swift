import EdgeOrigin
import Foundation
import Testing

/// The AWS CRT signing suite (`Fixtures/sigv4/aws-signing-test-suite-v4`): header and presigned
/// variants, byte for byte.
@Suite struct AWSSigningTestSuiteTests {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
            var token: String?
        }
        var credentials: Credentials
        var expirationInSeconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var signBody: Bool
        var timestamp: String
        var omitSessionToken: Bool?

        var sigV4Credentials: SigV4Credentials {
            SigV4Credentials(
                accessKeyID: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
                sessionToken: credentials.token
            )
        }

        var date: Date { ISO8601DateFormatter().date(from: timestamp)! }
    }

    /// `"normalize": true` cases whose normalized path differs from the raw one: generic rules only.
    static let normalizedOnly = [
        "get-relative-normalized", "get-relative-relative-normalized", "get-slash-normalized",
        "get-slash-dot-slash-normalized", "get-slash-pointless-dot-normalized", "get-slashes-normalized",
    ]
    /// The token is added after signing and left unsigned; S3 signs it (see `SessionTokenPlacementTests`).
    static let notS3Behaviour = ["post-sts-header-after"]

    static let allCases = [
        "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order", "get-header-value-trim",
        "get-relative-normalized", "get-relative-relative-normalized", "get-relative-relative-unnormalized",
        "get-relative-unnormalized", "get-slash-dot-slash-normalized", "get-slash-dot-slash-unnormalized",
        "get-slash-normalized", "get-slash-pointless-dot-normalized", "get-slash-pointless-dot-unnormalized",
        "get-slash-unnormalized", "get-slashes-normalized", "get-slashes-unnormalized", "get-space-normalized",
        "get-space-unnormalized", "get-unreserved", "get-utf8", "get-vanilla", "get-vanilla-empty-query-key",
        "get-vanilla-query", "get-vanilla-query-order-encoded", "get-vanilla-query-order-key-case",
        "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-vanilla-with-session-token",
        "post-header-key-case", "post-header-key-sort", "post-header-value-case", "post-sts-header-after",
        "post-sts-header-before", "post-vanilla", "post-vanilla-empty-query-value", "post-vanilla-query",
        "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
    ]

    struct Run: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: SigV4Options.PathRule
        var testDescription: String { "\(name) [\(rule)]" }
    }

    /// `*-unnormalized` cases are S3's path behaviour; `*-normalized` ones that change the path are
    /// the generic rules'; every other case holds under both.
    static let runs: [Run] = allCases.filter { !notS3Behaviour.contains($0) }.flatMap { name -> [Run] in
        if name.hasSuffix("-unnormalized") { return [Run(name: name, rule: .s3)] }
        if normalizedOnly.contains(name) { return [Run(name: name, rule: .generic)] }
        return [Run(name: name, rule: .generic), Run(name: name, rule: .s3)]
    }

    static func load(_ name: String) throws -> (Context, HTTPRequestFile) {
        let context = try FixtureFiles.json(Context.self, "sigv4/aws-signing-test-suite-v4/\(name)/context.json")
        let request = HTTPRequestFile(try FixtureFiles.text("sigv4/aws-signing-test-suite-v4/\(name)/request.txt"))
        return (context, request)
    }

    static func expected(_ name: String, _ file: String) throws -> String {
        try FixtureFiles.text("sigv4/aws-signing-test-suite-v4/\(name)/\(file)")
    }

    static func signer(_ context: Context, _ rule: SigV4Options.PathRule) -> SigV4Signer {
        SigV4Signer(
            region: context.region, service: context.service,
            options: SigV4Options(pathRule: rule, signsContentSHA256Header: context.signBody)
        )
    }

    @Test(arguments: runs)
    func headerSigningMatches(_ run: Run) throws {
        let (context, request) = try Self.load(run.name)
        #expect(context.normalize == !run.name.hasSuffix("-unnormalized"), "the case's context disagrees with its name")

        let signed = try Self.signer(context, run.rule)
            .sign(request.sigV4Request(), credentials: context.sigV4Credentials, date: context.date)

        #expect(signed.canonicalRequest == (try Self.expected(run.name, "header-canonical-request.txt")))
        #expect(signed.stringToSign == (try Self.expected(run.name, "header-string-to-sign.txt")))
        #expect(signed.signature == (try Self.expected(run.name, "header-signature.txt")))
        let signedRequest = HTTPRequestFile(try Self.expected(run.name, "header-signed-request.txt"))
        for header in signed.headers {
            #expect(signedRequest.values(of: header.name) == [header.value], "header \(header.name)")
        }
    }

    @Test(arguments: runs)
    func presigningMatches(_ run: Run) throws {
        let (context, request) = try Self.load(run.name)

        // The suite's presigned variants hash the body; they do not use UNSIGNED-PAYLOAD.
        let presigned = try Self.signer(context, run.rule).presign(
            request.sigV4Request(), credentials: context.sigV4Credentials, date: context.date,
            expires: .seconds(context.expirationInSeconds)
        )

        #expect(presigned.canonicalRequest == (try Self.expected(run.name, "query-canonical-request.txt")))
        #expect(presigned.stringToSign == (try Self.expected(run.name, "query-string-to-sign.txt")))
        #expect(presigned.signature == (try Self.expected(run.name, "query-signature.txt")))
        // The suite orders X-Amz-SignedHeaders before X-Amz-Expires; order is not signed, so compare as sets.
        let signedRequest = HTTPRequestFile(try Self.expected(run.name, "query-signed-request.txt"))
        let expectedItems = signedRequest.query.map { "\($0.name)=\($0.value)" }.sorted()
        #expect(presigned.queryItems.map { "\($0.name)=\($0.value)" }.sorted() == expectedItems)
    }

    @Test func everyCaseOfTheSuiteIsClassified() throws {
        let folders = try FixtureFiles.folders(in: "sigv4/aws-signing-test-suite-v4")
        #expect(folders == Self.allCases)
        #expect(folders.count == 38)
    }
}
