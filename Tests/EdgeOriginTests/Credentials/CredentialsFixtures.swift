import Foundation
import Testing

@testable import EdgeOrigin

/// Secrets, documents and machines shared by the credentials tests.
enum CredentialsFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_773_478_800)  // 2026-03-14T09:00:00Z
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLEsessiontokenSECRET"
    static let webIdentityToken = "eyJhbGciOiJSUzI1NiJ9.EXAMPLEwebIdentityJWT.signatureSECRET"
    static let containerAuthorization = "ContainerAuthTokenSECRET0123"
    static let imdsToken = "AQAEAIMDSsessionTOKENsecret=="
    /// Every secret the tests hand out; none may appear in any description, error or log line.
    static let allSecrets = [secret, sessionToken, webIdentityToken, containerAuthorization, imdsToken]

    static func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    /// The IMDS / ECS JSON document.
    static func metadataJSON(keyID: String, expiration: Date, code: String? = "Success") -> [UInt8] {
        var fields = [
            "\"AccessKeyId\": \"\(keyID)\"", "\"SecretAccessKey\": \"\(secret)\"",
            "\"Token\": \"\(sessionToken)\"", "\"Expiration\": \"\(CredentialsTimestamp.format(expiration))\"",
        ]
        if let code { fields = ["\"Code\": \"\(code)\"", "\"LastUpdated\": \"2026-03-14T08:00:00Z\"", "\"Type\": \"AWS-HMAC\""] + fields }
        return Array("{\n  \(fields.joined(separator: ",\n  "))\n}".utf8)
    }

    /// STS's documented `AssumeRoleWithWebIdentityResponse`.
    static func stsResponse(keyID: String, expiration: Date) -> [UInt8] {
        Array("""
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <SubjectFromWebIdentityToken>system:serviceaccount:edge:s3edge</SubjectFromWebIdentityToken>
            <Audience>sts.amazonaws.com</Audience>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/EdgeOrigin/s3edge-test</Arn>
              <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:s3edge-test</AssumedRoleId>
            </AssumedRoleUser>
            <Credentials>
              <SessionToken>\(sessionToken)</SessionToken>
              <SecretAccessKey>\(secret)</SecretAccessKey>
              <Expiration>\(CredentialsTimestamp.format(expiration))</Expiration>
              <AccessKeyId>\(keyID)</AccessKeyId>
            </Credentials>
            <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-2.amazonaws.com/id/EXAMPLE</Provider>
          </AssumeRoleWithWebIdentityResult>
          <ResponseMetadata>
            <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
          </ResponseMetadata>
        </AssumeRoleWithWebIdentityResponse>
        """.utf8)
    }

    static func stsError(code: String, message: String) -> [UInt8] {
        Array("""
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error>
          <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
        </ErrorResponse>
        """.utf8)
    }

    /// A chain over `variables` and a home directory that has no `.aws` unless the test writes one.
    static func chain(_ variables: [String: String], home: TemporaryDirectory, allowsV1: Bool = false,
                      explicit: SigV4Credentials? = nil) -> CredentialsChain {
        CredentialsChain(configuration: CredentialsChainConfiguration(
            explicitCredentials: explicit,
            environment: CredentialsEnvironment(variables: variables, homeDirectory: home.path),
            allowsIMDSv1Fallback: allowsV1,
            metadataTimeouts: CredentialsHTTPTimeouts(connect: .seconds(1), total: .seconds(2)),
            stsTimeouts: CredentialsHTTPTimeouts(connect: .seconds(1), total: .seconds(2))
        ))
    }

    /// IMDS is disabled in every test machine unless the test points it at a loopback server, so
    /// no test ever reaches for 169.254.169.254.
    static let noIMDS = ["AWS_EC2_METADATA_DISABLED": "true"]

    /// Fails the test if any secret appears in `text`.
    static func expectNoSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in allSecrets {
            #expect(!text.contains(secret), "secret leaked into: \(text)", sourceLocation: sourceLocation)
        }
    }

    /// Every way a value commonly gets printed.
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }
}

/// A fresh directory under the system temporary directory, removed with `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "s3edge-credentials-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` at `relative` (parents created) and returns the full path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A loopback server for one test body, shut down afterwards.
func withLoopbackServer<T>(
    _ handler: @escaping @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply,
    _ body: (LoopbackHTTPServer) async throws -> T
) async throws -> T {
    let server = try await LoopbackHTTPServer(handler: handler)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// A temporary home directory for one test body, removed afterwards.
func withTemporaryHome<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let home = try TemporaryDirectory()
    defer { home.remove() }
    return try await body(home)
}
