import Foundation
import Testing

@testable import EdgeOrigin

/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` against a loopback STS.
@Suite struct WebIdentityCredentialsTests {
    static let now = CredentialsFixtures.t0
    static let roleARN = "arn:aws:iam::123456789012:role/EdgeOrigin"

    static func variables(sts: LoopbackHTTPServer, tokenFile: String) -> [String: String] {
        [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": roleARN, "AWS_ROLE_SESSION_NAME": "s3edge-test",
            "AWS_ENDPOINT_URL_STS": sts.baseURL, "AWS_REGION": "eu-west-2",
        ].merging(CredentialsFixtures.noIMDS) { $1 }
    }

    @Test func exchangesTheTokenForRoleCredentials() async throws {
        try await withTemporaryHome { home in
            let tokenFile = try home.write("token", CredentialsFixtures.webIdentityToken + "\n")
            try await withLoopbackServer({ _ in
                .respond(status: 200, headers: [("Content-Type", "text/xml")],
                         body: CredentialsFixtures.stsResponse(keyID: "ASIASTS", expiration: CredentialsFixtures.at(60)))
            }) { sts in
                let resolved = try await CredentialsFixtures.chain(Self.variables(sts: sts, tokenFile: tokenFile), home: home)
                    .resolve(now: Self.now)
                #expect(resolved.credentials == SigV4Credentials(
                    accessKeyID: "ASIASTS", secretAccessKey: CredentialsFixtures.secret, sessionToken: CredentialsFixtures.sessionToken
                ))
                #expect(resolved.expiration == CredentialsFixtures.at(60))
                #expect("credentials from \(resolved.source)" == "credentials from web identity role \(Self.roleARN)")

                let request = try #require(sts.requests.first)
                #expect(sts.requests.count == 1)
                #expect(request.method == "POST")
                #expect(request.uri == "/")
                #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
                #expect(request.header("Authorization") == nil)
                let form = Set(String(decoding: request.body, as: UTF8.self).split(separator: "&").map(String.init))
                #expect(form == [
                    "Action=AssumeRoleWithWebIdentity", "Version=2011-06-15",
                    "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FEdgeOrigin", "RoleSessionName=s3edge-test",
                    "WebIdentityToken=\(CredentialsFixtures.webIdentityToken)",
                ])
            }
        }
    }

    @Test func stsErrorsNameTheCodeAndTheFixWithoutTheToken() async throws {
        try await withTemporaryHome { home in
            let tokenFile = try home.write("token", CredentialsFixtures.webIdentityToken)
            let message = "Not authorized to perform sts:AssumeRoleWithWebIdentity with token \(CredentialsFixtures.webIdentityToken)"
            try await withLoopbackServer({ _ in
                .respond(status: 403, body: CredentialsFixtures.stsError(code: "AccessDenied", message: message))
            }) { sts in
                let chain = CredentialsFixtures.chain(Self.variables(sts: sts, tokenFile: tokenFile), home: home)
                let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.hasPrefix("could not load AWS credentials from web identity (STS AssumeRoleWithWebIdentity): "
                    + "STS answered 403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity with token ****. "
                    + "Fix: let the role's trust policy allow sts:AssumeRoleWithWebIdentity"))
                CredentialsFixtures.expectNoSecrets(text)
            }
        }
    }

    @Test func aMissingTokenFileNamesTheFile() async throws {
        try await withTemporaryHome { home in
            let chain = CredentialsFixtures.chain([
                "AWS_WEB_IDENTITY_TOKEN_FILE": home.path + "/absent", "AWS_ROLE_ARN": Self.roleARN,
            ].merging(CredentialsFixtures.noIMDS) { $1 }, home: home)
            let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
            #expect(error.map { "\($0)" }?.contains("the web identity token file \(home.path)/absent (AWS_WEB_IDENTITY_TOKEN_FILE) does not exist") == true)
        }
    }

    @Test func anAnswerWithoutCredentialsIsRefusedWithoutQuotingIt() async throws {
        try await withTemporaryHome { home in
            let tokenFile = try home.write("token", CredentialsFixtures.webIdentityToken)
            let body = Array("<Credentials><SecretAccessKey>\(CredentialsFixtures.secret)</SecretAccessKey></Credentials>".utf8)
            try await withLoopbackServer({ _ in .respond(status: 200, body: body) }) { sts in
                let chain = CredentialsFixtures.chain(Self.variables(sts: sts, tokenFile: tokenFile), home: home)
                let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.contains("STS answered 200 but <Credentials> lacks AccessKeyId, SessionToken, Expiration"))
                CredentialsFixtures.expectNoSecrets(text)
            }
        }
    }

    @Test func regionalAndOverriddenEndpoints() throws {
        func endpoint(_ variables: [String: String]) throws -> String {
            try STSEndpoint(environment: CredentialsEnvironment(variables: variables), step: .webIdentity).requestURL
        }
        #expect(try endpoint(["AWS_REGION": "eu-west-2"]) == "https://sts.eu-west-2.amazonaws.com/")
        #expect(try endpoint(["AWS_DEFAULT_REGION": "cn-north-1"]) == "https://sts.cn-north-1.amazonaws.com.cn/")
        #expect(try endpoint([:]) == "https://sts.amazonaws.com/")
        #expect(try endpoint(["AWS_REGION": "eu-west-2", "AWS_ENDPOINT_URL": "https://sts.internal"]) == "https://sts.internal/")
        #expect(try endpoint(["AWS_ENDPOINT_URL": "https://a.internal", "AWS_ENDPOINT_URL_STS": "https://b.internal/"]) == "https://b.internal/")
        #expect(throws: CredentialsFailure.self) { try endpoint(["AWS_ENDPOINT_URL_STS": "ftp://sts.internal"]) }
    }
}
