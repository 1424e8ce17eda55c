import EdgeOrigin
import Testing

@Suite struct S3ResponsePolicyTests {
    @Test func internalAndHopByHopHeadersAreWithheld() {
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "image/jpeg"), ("ETag", "\"e\""), ("x-amz-id-2", "i"), ("x-amz-request-id", "r"),
            ("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:eu-west-2:1:key/k"), ("Server", "AmazonS3"),
            ("Connection", "keep-alive"), ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-meta-owner", "u1"),
        ]
        #expect(S3ResponsePolicy.viewerHeaders(headers).map(\.name) == [
            "Content-Type", "ETag", "x-amz-server-side-encryption", "x-amz-meta-owner",
        ])
    }

    @Test func fieldsThatAreNotValidHTTPAreDropped() {
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "text/plain"), ("x-amz-meta-note", "tab\tok, obs-text caf\u{e9}"), ("bad name", "v"),
            ("x-amz-meta-nul", "a\u{0}b"), ("x-amz-meta-del", "a\u{7f}"), ("", "empty name"), ("x-amz-meta-cr", "a\rb"),
        ]
        #expect(S3ResponsePolicy.viewerHeaders(headers).map(\.name) == ["Content-Type", "x-amz-meta-note"])
    }

    @Test func objectsNotEncryptedWithKMSAreRefusedNamingTheFix() throws {
        let problem = try #require(S3ResponsePolicy.encryptionProblem(
            key: "old/receipt.pdf", headers: [("x-amz-server-side-encryption", "AES256")], requirement: .anyKMSKey
        ))
        #expect(problem.contains("\"old/receipt.pdf\" is not encrypted with SSE-KMS"))
        #expect(problem.contains("copy it onto itself"))
        #expect(S3ResponsePolicy.encryptionProblem(key: "k", headers: [("x-amz-server-side-encryption", "aws:kms")], requirement: .anyKMSKey) == nil)
        #expect(S3ResponsePolicy.encryptionProblem(key: "k", headers: [], requirement: .none) == nil)
    }

    @Test func aSpecificKeyIsEnforced() {
        let headers: [(name: String, value: String)] = [
            ("x-amz-server-side-encryption", "aws:kms"), ("x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:eu-west-2:1:key/other"),
        ]
        #expect(S3ResponsePolicy.encryptionProblem(key: "k", headers: headers, requirement: .kmsKey("arn:aws:kms:eu-west-2:1:key/mine")) != nil)
        #expect(S3ResponsePolicy.encryptionProblem(key: "k", headers: headers, requirement: .kmsKey("arn:aws:kms:eu-west-2:1:key/other")) == nil)
    }

    @Test func accessDeniedNamesBucketPolicyAndKMS() {
        let body = Array("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".utf8)
        let explanation = S3ErrorExplanation(status: 403, body: body, key: "a.jpg", bucket: "b", region: "eu-west-2")
        #expect(explanation.code == "AccessDenied")
        #expect(explanation.description.hasPrefix("origin answered 403 AccessDenied: Access Denied; the signing identity may not read \"a.jpg\""))
        #expect(explanation.likelyCause.contains("kms:Decrypt"))
    }

    @Test func kmsDenialIsNamedAsSuch() {
        let body = Array("<Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:role/edge is not authorized to perform: kms:Decrypt</Message></Error>".utf8)
        let explanation = S3ErrorExplanation(status: 403, body: body, key: "a", bucket: "b", region: "eu-west-2")
        #expect(explanation.likelyCause.hasPrefix("the KMS key policy does not let the signing identity use the object's key"))
    }

    @Test func wrongRegionIsNamed() {
        let body = Array("<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'eu-west-2' is wrong; expecting 'us-east-1'</Message><Region>us-east-1</Region></Error>".utf8)
        let explanation = S3ErrorExplanation(status: 400, body: body, key: "a", bucket: "b", region: "eu-west-2")
        #expect(explanation.likelyCause == "the bucket is not in eu-west-2 (S3 says us-east-1): set origin.region and origin.endpoint to the bucket's region")
    }
}
