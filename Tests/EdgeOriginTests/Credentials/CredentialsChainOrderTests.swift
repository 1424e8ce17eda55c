import Foundation
import Testing

@testable import EdgeOrigin

/// Environment beats web identity beats shared files beats the container endpoint beats IMDS,
/// and a step that wins leaves the later ones untouched.
@Suite struct CredentialsChainOrderTests {
    static let now = CredentialsFixtures.t0

    static func document(_ keyID: String) -> @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        { request in
            switch request.method {
            case "PUT": return .respond(status: 200, body: Array("tok".utf8))
            case "POST": return .respond(status: 200, body: CredentialsFixtures.stsResponse(keyID: keyID, expiration: CredentialsFixtures.at(60)))
            default:
                if request.uri.hasSuffix("/security-credentials/") { return .respond(status: 200, body: Array("EdgeRole".utf8)) }
                return .respond(status: 200, body: CredentialsFixtures.metadataJSON(keyID: keyID, expiration: CredentialsFixtures.at(60)))
            }
        }
    }

    @Test func eachStepWinsOverTheOnesAfterIt() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILES\naws_secret_access_key = f\n")
            let tokenFile = try home.write("token", CredentialsFixtures.webIdentityToken)
            try await withLoopbackServer(Self.document("ASIASTS")) { sts in
            try await withLoopbackServer(Self.document("ASIACONTAINER")) { container in
            try await withLoopbackServer(Self.document("ASIAIMDS")) { imds in
            var variables = [
                "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e",
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/Edge",
                "AWS_ENDPOINT_URL_STS": sts.baseURL,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": container.baseURL + "/creds",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.baseURL,
            ]
            func winner() async throws -> String {
                try await CredentialsFixtures.chain(variables, home: home).resolve(now: Self.now).credentials.accessKeyID
            }
            #expect(try await winner() == "AKIDENV")
            variables["AWS_ACCESS_KEY_ID"] = nil
            variables["AWS_SECRET_ACCESS_KEY"] = nil
            #expect(try await winner() == "ASIASTS")
            variables["AWS_WEB_IDENTITY_TOKEN_FILE"] = nil
            variables["AWS_ROLE_ARN"] = nil
            #expect(try await winner() == "AKIDFILES")
            try FileManager.default.removeItem(atPath: home.path + "/.aws/credentials")
            #expect(try await winner() == "ASIACONTAINER")
            variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = nil
            #expect(try await winner() == "ASIAIMDS")

            #expect(sts.requests.count == 1)
            #expect(container.requests.count == 1)
            #expect(imds.requests.count == 3)
            }
            }
            }
        }
    }
}
