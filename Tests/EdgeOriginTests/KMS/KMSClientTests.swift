@testable import EdgeOrigin
import EdgeTLS
import Foundation
import Testing

/// `KMSClient` against a loopback KMS: what goes on the wire (JSON protocol, SigV4 for `kms`,
/// checked by s3edge's verifier), how answers and errors are read, and transport failures.
@Suite struct KMSClientTests {
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIAKMSEXAMPLE", secretAccessKey: "kms-test-secret-0123456789", sessionToken: "token-kms")
    static let keyARN = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    static let context = ["s3edge-cache": "/var/cache/s3edge", "purpose": "cache \"data\" key"]
    /// 32 bytes whose base64 holds a `/` (written `\/` by some encoders) and a `+`.
    static let dataKey: [UInt8] = [0xFB, 0xFF, 0xBF] + Array(1...29)
    static let blob: [UInt8] = Array("kms-wrapped-blob-0001".utf8) + [0, 0xFF, 0x80]

    static func client(_ server: LoopbackHTTPServer, timeouts: CredentialsHTTPTimeouts = .kms) -> KMSClient {
        KMSClient(endpoint: server.baseURL, region: "eu-west-2", credentials: { credentials }, timeouts: timeouts)
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func bodyObject(_ request: LoopbackHTTPServer.Request) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
    }

    /// Verifies the request's SigV4 signature for eu-west-2/kms with s3edge's own verifier.
    static func verifySignature(_ request: LoopbackHTTPServer.Request) -> Result<String, SigV4VerificationFailure> {
        let received = SigV4ReceivedRequest(
            method: request.method, target: request.uri, headers: request.headers.map { (name: $0.0, value: $0.1) },
            body: request.body)
        return SigV4Verifier(region: "eu-west-2", service: "kms").verify(received, now: Date()) {
            $0 == credentials.accessKeyID ? credentials.secretAccessKey : nil
        }
    }

    @Test func generateDataKeySendsASignedJSONCallAndReadsTheKey() async throws {
        let plaintext = Data(Self.dataKey).base64EncodedString().replacingOccurrences(of: "/", with: "\\/")
        let answer = "{\"CiphertextBlob\":\"\(Data(Self.blob).base64EncodedString())\",\"KeyId\":\"\(Self.keyARN)\","
            + "\"KeyMaterialId\":\"abc\",\"Plaintext\":\"\(plaintext)\",\"Extra\":{\"a\":[1,2.5e3,null,true]}}"
        try await withLoopbackServer({ _ in
            .respond(status: 200, headers: [("Content-Type", "application/x-amz-json-1.1")], body: Array(answer.utf8))
        }) { server in
            let key = try Self.client(server).generateDataKey(keyID: "alias/s3edge-cache", encryptionContext: Self.context)
            #expect(key.plaintext.withUnsafeBytes { Array($0) } == Self.dataKey)
            #expect(key.ciphertextBlob == Self.blob)
            #expect(key.keyARN == Self.keyARN)
            #expect("\(key)" == "KMSDataKey(SecretBytes(32 bytes), ciphertext blob 24 bytes, key \(Self.keyARN))")

            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/")
            #expect(request.header("Content-Type") == "application/x-amz-json-1.1")
            #expect(request.header("X-Amz-Target") == "TrentService.GenerateDataKey")
            #expect(request.header("Host") == "127.0.0.1:\(server.port)")
            #expect(request.header("x-amz-security-token") == "token-kms")
            #expect(request.header("x-amz-content-sha256") == nil)
            let authorization = try #require(request.header("Authorization"))
            #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAKMSEXAMPLE/"))
            #expect(authorization.contains("/eu-west-2/kms/aws4_request, "))
            #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"))
            #expect(Self.verifySignature(request) == .success("AKIAKMSEXAMPLE"))
            let body = Self.bodyObject(request)
            #expect(body["KeyId"] as? String == "alias/s3edge-cache")
            #expect(body["KeySpec"] as? String == "AES_256")
            #expect(body["EncryptionContext"] as? [String: String] == Self.context)
            #expect(body.count == 3)
        }
    }

    @Test func decryptSendsTheBlobAndContextAndReturnsTheKey() async throws {
        let answer = Self.json([
            "KeyId": Self.keyARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "Plaintext": Data(Self.dataKey).base64EncodedString(),
        ])
        try await withLoopbackServer({ _ in .respond(status: 200, body: answer) }) { server in
            let client = Self.client(server)
            let key = try client.decrypt(ciphertextBlob: Self.blob, keyID: Self.keyARN, encryptionContext: Self.context)
            #expect(key.withUnsafeBytes { Array($0) } == Self.dataKey)
            _ = try client.decrypt(ciphertextBlob: Self.blob, keyID: nil, encryptionContext: [:])

            #expect(server.requests.count == 2)
            let first = server.requests[0]
            #expect(first.header("X-Amz-Target") == "TrentService.Decrypt")
            #expect(Self.verifySignature(first) == .success("AKIAKMSEXAMPLE"))
            let body = Self.bodyObject(first)
            #expect(body["CiphertextBlob"] as? String == Data(Self.blob).base64EncodedString())
            #expect(body["KeyId"] as? String == Self.keyARN)
            #expect(body["EncryptionContext"] as? [String: String] == Self.context)
            let second = Self.bodyObject(server.requests[1])
            #expect(second["KeyId"] == nil)
            #expect(second["EncryptionContext"] as? [String: String] == [:])
        }
    }

    /// KMS's error documents (`__type` with or without a namespace), mapped to kinds whose text
    /// names the cause and the fix.
    static let errorCases: [(status: Int, type: String?, kind: KMSError.Kind, fix: String)] = [
        (400, "AccessDeniedException", .accessDenied, "must allow kms:GenerateDataKey and kms:Decrypt on alias/case-0"),
        (400, "com.amazonaws.kms#NotFoundException", .notFound, "check cache.encryption.kms_key_id and kms_region"),
        (400, "DisabledException", .disabled, "enable it (aws kms enable-key)"),
        (400, "KMSInvalidStateException", .disabled, "cancel its deletion"),
        (400, "InvalidCiphertextException", .invalidCiphertext, "configure the key that made it"),
        (400, "IncorrectKeyException", .invalidCiphertext, "empty the cache directory"),
        (400, "ThrottlingException", .throttled, "retry later"),
        (400, "UnrecognizedClientException", .accessDenied, "check cache.encryption.credentials"),
        (400, "InvalidSignatureException:http://internal.amazon.com/coral/", .accessDenied, "machine's clock is right"),
        (500, "KMSInternalException", .other, "retry if it is a KMSInternalException"),
        (403, "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>message 10</Message></Error></Errors></ErrorResponse>",
         .accessDenied, "must allow kms:GenerateDataKey and kms:Decrypt on alias/case-10"),
        (429, nil, .throttled, "retry later"),
        (403, nil, .invalidResponse, "points at KMS"),
    ]

    @Test func errorDocumentsBecomeKindsWithCauseAndFix() async throws {
        try await withLoopbackServer({ request in
            let keyID = Self.bodyObject(request)["KeyId"] as? String ?? ""
            let index = Int(keyID.split(separator: "-").last ?? "") ?? 0
            let item = Self.errorCases[index]
            guard let type = item.type else { return .respond(status: item.status, body: Array("<html>no</html>".utf8)) }
            if type.hasPrefix("<") { return .respond(status: item.status, body: Array(type.utf8)) }
            return .respond(status: item.status, body: Self.json(["__type": type, "message": "message \(index)"]))
        }) { server in
            let client = Self.client(server)
            for (index, item) in Self.errorCases.enumerated() {
                let error = #expect(throws: KMSError.self) {
                    try client.generateDataKey(keyID: "alias/case-\(index)", encryptionContext: [:])
                }
                #expect(error?.kind == item.kind, "\(item.type ?? "\(item.status)")")
                let text = error?.description ?? ""
                #expect(text.contains(item.fix), "\(text)")
                if let type = item.type {
                    let code = type.hasPrefix("<") ? "AccessDenied" : KMSAnswer.code(fromType: type)
                    #expect(error?.code == code)
                    #expect(text.contains("\(code): message \(index)"), "\(text)")
                } else {
                    #expect(text.contains("HTTP \(item.status) without a KMS error document"), "\(text)")
                }
            }
        }
    }

    /// Answers that are not KMS's: refused, and the body (which may hold key material) never quoted.
    static let malformedAnswers: [(body: String, reason: String)] = [
        ("sekrit-not-json", "not a JSON object"),
        ("{\"Plaintext\":\"c2Vrcml0\"} trailing", "not a JSON object (text after the object"),
        ("{\"Plaintext\":\"c2Vrcml0\",\"Plaintext\":\"c2Vrcml0\"}", "member Plaintext appears twice"),
        ("{\"KeyId\":\"k\",\"CiphertextBlob\":\"AAAA\"}", "it has no Plaintext string"),
        ("{\"KeyId\":\"k\",\"CiphertextBlob\":\"AAAA\",\"Plaintext\":\"c2Vrcml0\"}", "Plaintext is 6 bytes, not the 32"),
        ("{\"KeyId\":\"k\",\"CiphertextBlob\":\"AAAA\",\"Plaintext\":\"c2Vr*ml0\"}", "Plaintext is not base64"),
        ("{\"KeyId\":\"k\",\"CiphertextBlob\":\"AA=A\",\"Plaintext\":\"\(Data(dataKey).base64EncodedString())\"}",
         "CiphertextBlob is not base64"),
        ("{\"CiphertextBlob\":\"AAAA\",\"Plaintext\":\"\(Data(dataKey).base64EncodedString())\"}", "it has no KeyId"),
    ]

    @Test func malformedAnswersAreInvalidResponsesThatNeverQuoteTheBody() async throws {
        let replies = LockedBox(Self.malformedAnswers.map(\.body))
        try await withLoopbackServer({ _ in
            .respond(status: 200, body: Array(replies.withLock { $0.removeFirst() }.utf8))
        }) { server in
            for item in Self.malformedAnswers {
                let error = #expect(throws: KMSError.self) {
                    try Self.client(server).generateDataKey(keyID: "alias/s3edge-cache", encryptionContext: [:])
                }
                #expect(error?.kind == .invalidResponse)
                let text = error?.description ?? ""
                #expect(text.contains(item.reason), "\(text)")
                #expect(!text.contains("sekrit") && !text.contains("c2Vrcml0"), "\(text)")
            }
        }
    }

    @Test func transportFailuresAreUnreachableOrTimedOut() async throws {
        let closedPort = try await withLoopbackServer({ _ in .closeImmediately }) { $0.port }
        let refused = KMSClient(endpoint: "http://127.0.0.1:\(closedPort)", region: "eu-west-2", credentials: { Self.credentials })
        let unreachable = #expect(throws: KMSError.self) {
            try refused.decrypt(ciphertextBlob: Self.blob, keyID: nil, encryptionContext: [:])
        }
        #expect(unreachable?.kind == .unreachable)
        #expect(unreachable?.description.hasPrefix("cannot reach KMS at http://127.0.0.1:\(closedPort)/ for Decrypt") == true)

        try await withLoopbackServer({ _ in .noResponse(afterDelay: nil) }) { server in
            let client = Self.client(server, timeouts: CredentialsHTTPTimeouts(connect: .seconds(1), total: .milliseconds(300)))
            let error = #expect(throws: KMSError.self) {
                try client.generateDataKey(keyID: Self.keyARN, encryptionContext: [:])
            }
            #expect(error?.kind == .timedOut)
            #expect(error?.description.contains("did not answer GenerateDataKey in time") == true)
        }
    }

    @Test func credentialsAndEndpointProblemsAreNamedBeforeAnyRequest() {
        struct NoCredentials: Error, CustomStringConvertible {
            var description: String { "no credentials in the chain" }
        }
        let noCredentials = KMSClient(endpoint: "https://kms.eu-west-2.amazonaws.com", region: "eu-west-2",
                                      credentials: { throw NoCredentials() })
        let error = #expect(throws: KMSError.self) {
            try noCredentials.generateDataKey(keyID: Self.keyARN, encryptionContext: [:])
        }
        #expect(error?.kind == .credentialsUnavailable)
        #expect(error?.description == "no AWS credentials to sign KMS GenerateDataKey (no credentials in the chain): "
            + "configure cache.encryption.credentials, or give the service credentials through the default chain "
            + "(instance role, AWS_PROFILE, AWS_* variables)")

        let badEndpoint = KMSClient(endpoint: "ftp://kms.example", region: "eu-west-2", credentials: { Self.credentials })
        let endpointError = #expect(throws: KMSError.self) {
            try badEndpoint.decrypt(ciphertextBlob: Self.blob, keyID: nil, encryptionContext: [:])
        }
        #expect(endpointError?.kind == .unreachable)
        #expect(endpointError?.description.contains("only http:// and https:// URLs are supported") == true)
    }

    @Test func defaultEndpointPrefersTheKMSVariableThenTheGeneralOne() {
        #expect(KMSClient.defaultEndpoint(region: "eu-west-2", environment: [:]) == "https://kms.eu-west-2.amazonaws.com")
        #expect(KMSClient.defaultEndpoint(region: "cn-north-1", environment: [:]) == "https://kms.cn-north-1.amazonaws.com.cn")
        #expect(KMSClient.defaultEndpoint(region: "eu-west-2", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"])
            == "http://127.0.0.1:5000")
        #expect(KMSClient.defaultEndpoint(region: "eu-west-2", environment: [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_KMS": "https://vpce-1.kms.eu-west-2.vpce.amazonaws.com",
        ]) == "https://vpce-1.kms.eu-west-2.vpce.amazonaws.com")
        #expect(KMSClient.defaultEndpoint(region: "eu-west-2", environment: ["AWS_ENDPOINT_URL_KMS": ""])
            == "https://kms.eu-west-2.amazonaws.com")
    }
}
