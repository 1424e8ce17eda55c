import EdgeOrigin
import Foundation
import Testing

/// Temporary credentials: the token is signed in both forms, as S3 clients do.
@Suite struct SessionTokenTests {
    static let token = "IQoJb3JpZ2luX2VjEXAMPLE+token/with=="
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: token)
    static let request = SigV4Request(path: "/photos/a.jpg", headers: [("Host", "bucket.s3.eu-west-2.amazonaws.com")])
    static let date = amzDate("20260314T092653Z")

    @Test func headerFormAddsAndSignsTheToken() throws {
        let signed = try SigV4Signer(region: "eu-west-2").sign(Self.request, credentials: Self.credentials, date: Self.date)
        #expect(signed.headers.contains { $0.name == "x-amz-security-token" && $0.value == Self.token })
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signed.canonicalRequest.contains("\nx-amz-security-token:\(Self.token)\n"))
    }

    @Test func presignedURLIncludesTheSignedToken() throws {
        let presigned = try SigV4Signer(region: "eu-west-2").presign(
            Self.request.with(payloadHash: .unsignedPayload), credentials: Self.credentials, date: Self.date, expires: .seconds(900)
        )
        let encodedToken = "IQoJb3JpZ2luX2VjEXAMPLE%2Btoken%2Fwith%3D%3D"
        #expect(presigned.query.contains("&X-Amz-Security-Token=\(encodedToken)&X-Amz-Signature="))
        #expect(presigned.queryItems.contains { $0.name == "X-Amz-Security-Token" && $0.value == Self.token })
        #expect(presigned.canonicalRequest.contains("X-Amz-Security-Token=\(encodedToken)&X-Amz-SignedHeaders=host"))
    }

    @Test func tokenPassedAsAHeaderIsReplacedByTheCredentialsToken() throws {
        var request = Self.request
        request.headers.append(("X-Amz-Security-Token", "stale-token"))
        let signed = try SigV4Signer(region: "eu-west-2").sign(request, credentials: Self.credentials, date: Self.date)
        #expect(!signed.canonicalRequest.contains("stale-token"))
        #expect(signed.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.map(\.value) == [Self.token])
    }

    /// `post-sts-header-after` (both suites) adds the token after signing, unsigned. S3 clients
    /// sign it, so s3edge produces `post-sts-header-before` for the same request and credentials.
    @Test(arguments: [
        ("sigv4/aws4_testsuite/post-sts-token/post-sts-header-before/post-sts-header-before.creq",
         "sigv4/aws4_testsuite/post-sts-token/post-sts-header-after/post-sts-header-after.creq"),
        ("sigv4/aws-signing-test-suite-v4/post-sts-header-before/header-canonical-request.txt",
         "sigv4/aws-signing-test-suite-v4/post-sts-header-after/header-canonical-request.txt"),
    ])
    func tokenIsSignedNotAppendedAfterSigning(before: String, after: String) throws {
        let request = HTTPRequestFile(try FixtureFiles.text("sigv4/aws-signing-test-suite-v4/post-sts-header-after/request.txt"))
        let credentials = SigV4Credentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: AWS4TestSuiteTests.stsToken
        )
        let signer = SigV4Signer(region: "us-east-1", service: "service", options: .generic)
        let signed = try signer.sign(request.sigV4Request(), credentials: credentials, date: amzDate("20150830T123600Z"))
        #expect(signed.canonicalRequest == (try FixtureFiles.text(before)))
        #expect(signed.canonicalRequest != (try FixtureFiles.text(after)))
    }
}

extension SigV4Request {
    func with(payloadHash: SigV4PayloadHash) -> SigV4Request {
        var copy = self
        copy.payloadHash = payloadHash
        return copy
    }
}
