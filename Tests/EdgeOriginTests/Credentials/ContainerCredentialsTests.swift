import Foundation
import Testing

@testable import EdgeOrigin

/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` / `_RELATIVE_URI` with the authorization token.
@Suite struct ContainerCredentialsTests {
    static let now = CredentialsFixtures.t0

    static func document(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        .respond(status: 200, headers: [("Content-Type", "application/json")],
                 body: CredentialsFixtures.metadataJSON(keyID: "ASIAECS", expiration: CredentialsFixtures.at(60), code: nil))
    }

    @Test func fullURIOnLoopbackWithTheAuthorizationToken() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.document) { agent in
                let uri = agent.baseURL + "/v1/credentials?id=7"
                let resolved = try await CredentialsFixtures.chain([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": CredentialsFixtures.containerAuthorization,
                ].merging(CredentialsFixtures.noIMDS) { $1 }, home: home).resolve(now: Self.now)
                #expect(resolved.credentials == SigV4Credentials(
                    accessKeyID: "ASIAECS", secretAccessKey: CredentialsFixtures.secret, sessionToken: CredentialsFixtures.sessionToken
                ))
                #expect(resolved.expiration == CredentialsFixtures.at(60))
                // The query string may carry a secret; the source never shows it.
                #expect(resolved.source == .container(endpoint: agent.baseURL + "/v1/credentials"))
                let request = try #require(agent.requests.first)
                #expect(request.method == "GET")
                #expect(request.uri == "/v1/credentials?id=7")
                #expect(request.header("Authorization") == CredentialsFixtures.containerAuthorization)
            }
        }
    }

    @Test func theTokenFileWinsAndIsReadOnEveryFetch() async throws {
        try await withTemporaryHome { home in
            let tokenFile = try home.write("eks-pod-identity-token", CredentialsFixtures.containerAuthorization + "\n")
            try await withLoopbackServer(Self.document) { agent in
                let chain = CredentialsFixtures.chain([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.baseURL + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-the-variable",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                ].merging(CredentialsFixtures.noIMDS) { $1 }, home: home)
                _ = try await chain.resolve(now: Self.now)
                try home.write("eks-pod-identity-token", "RotatedToken")
                _ = try await chain.resolve(now: Self.now)
                #expect(agent.requests.map { $0.header("Authorization") } == [CredentialsFixtures.containerAuthorization, "RotatedToken"])
            }
        }
    }

    @Test func plainHTTPToANonLoopbackHostIsRefusedBeforeAnyRequest() async throws {
        try await withTemporaryHome { home in
            let chain = CredentialsFixtures.chain([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.0.0.5:8080/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": CredentialsFixtures.containerAuthorization,
            ].merging(CredentialsFixtures.noIMDS) { $1 }, home: home)
            let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("container credentials endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI http://10.0.0.5:8080/creds "
                + "uses plain http to 10.0.0.5, which is not allowed"))
            #expect(text.contains("Fix: use an https:// URL, or run the credentials endpoint on loopback"))
            CredentialsFixtures.expectNoSecrets(text)
        }
    }

    @Test func allowedEndpoints() throws {
        func url(_ variables: [String: String]) throws -> String? {
            try ContainerCredentialsLink(environment: CredentialsEnvironment(variables: variables), timeouts: .metadata).endpoint()?.url
        }
        #expect(try url(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"]) == "http://169.254.170.2/v2/credentials/abc")
        // RELATIVE wins over FULL, as in the SDKs.
        #expect(try url(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://a/b"]) == "http://169.254.170.2/x")
        for allowed in ["https://creds.internal/x", "http://127.0.0.1:9/x", "http://127.8.9.10/x", "http://[::1]:9/x",
                        "http://localhost:9/x", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials"] {
            #expect(try url(["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed]) == allowed)
        }
        for refused in ["http://169.254.169.254/x", "http://example.com/x", "http://127.0.0.1.example.com/x", "ftp://127.0.0.1/x"] {
            #expect(throws: CredentialsFailure.self, "\(refused)") { try url(["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused]) }
        }
        #expect(try url([:]) == nil)
    }

    @Test func anErrorAnswerIsReportedWithItsCodeAndWithoutTheToken() async throws {
        try await withTemporaryHome { home in
            let body = Array("{\"code\": \"AccessDenied\", \"message\": \"bad token \(CredentialsFixtures.containerAuthorization)\"}".utf8)
            try await withLoopbackServer({ _ in .respond(status: 401, body: body) }) { agent in
                let chain = CredentialsFixtures.chain([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.baseURL + "/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": CredentialsFixtures.containerAuthorization,
                ].merging(CredentialsFixtures.noIMDS) { $1 }, home: home)
                let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.contains("\(agent.baseURL)/v1/credentials answered 401 AccessDenied: bad token ****. "
                    + "Fix: the authorization token was refused"))
                CredentialsFixtures.expectNoSecrets(text)
            }
        }
    }
}
