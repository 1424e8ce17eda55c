import Foundation
import Testing

@testable import EdgeOrigin

/// Explicit keys and `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
@Suite struct EnvironmentCredentialsTests {
    static let now = CredentialsFixtures.t0

    @Test func environmentKeysWithSessionToken() async throws {
        try await withTemporaryHome { home in
            let resolved = try await CredentialsFixtures.chain([
                "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": CredentialsFixtures.secret,
                "AWS_SESSION_TOKEN": CredentialsFixtures.sessionToken,
            ], home: home).resolve(now: Self.now)
            #expect(resolved.credentials == SigV4Credentials(
                accessKeyID: "AKIDENV", secretAccessKey: CredentialsFixtures.secret, sessionToken: CredentialsFixtures.sessionToken
            ))
            #expect(resolved.source == .environment)
            #expect(resolved.expiration == nil)
            #expect("credentials from \(resolved.source)" == "credentials from environment")
            for text in CredentialsFixtures.renderings(resolved) { CredentialsFixtures.expectNoSecrets(text) }
        }
    }

    @Test func explicitKeysComeFirst() async throws {
        try await withTemporaryHome { home in
            let resolved = try await CredentialsFixtures.chain(
                ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"], home: home,
                explicit: SigV4Credentials(accessKeyID: "AKIDCONFIG", secretAccessKey: CredentialsFixtures.secret)
            ).resolve(now: Self.now)
            #expect(resolved.credentials.accessKeyID == "AKIDCONFIG")
            #expect(resolved.source == .configuration)
        }
    }

    @Test func halfSetKeysStopTheChainWithTheFix() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n")
            let chain = CredentialsFixtures.chain(["AWS_ACCESS_KEY_ID": "AKIDENV"].merging(CredentialsFixtures.noIMDS) { $1 }, home: home)
            let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
            #expect(error.map { "\($0)" } == "could not load AWS credentials from environment variables: AWS_ACCESS_KEY_ID is set "
                + "but AWS_SECRET_ACCESS_KEY is not. Fix: export AWS_SECRET_ACCESS_KEY too, or unset AWS_ACCESS_KEY_ID to use "
                + "another source (skipped before it: explicit keys in the configuration: none configured)")
        }
    }

    @Test func emptyVariablesCountAsUnset() async throws {
        try await withTemporaryHome { home in
            let chain = CredentialsFixtures.chain(
                ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""].merging(CredentialsFixtures.noIMDS) { $1 }, home: home
            )
            let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
            guard case .notFound(let tried)? = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(tried.map(\.step) == CredentialsChainStep.allCases)
        }
    }

    @Test func nothingConfiguredListsEveryStepAndTheFix() async throws {
        try await withTemporaryHome { home in
            let error = await #expect(throws: CredentialsError.self) {
                try await CredentialsFixtures.chain(CredentialsFixtures.noIMDS, home: home).resolve(now: Self.now)
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(text == "no AWS credentials found; tried, in order: "
                + "explicit keys in the configuration: none configured; "
                + "environment variables: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; "
                + "web identity (STS AssumeRoleWithWebIdentity): AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set; "
                + "shared credentials/config files: no profile default in \(home.path)/.aws/credentials (no such file) and "
                + "\(home.path)/.aws/config (no such file); "
                + "container credentials endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; "
                + "EC2 instance metadata (IMDS): disabled by AWS_EC2_METADATA_DISABLED=true. "
                + "Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE to a profile with static keys in "
                + "~/.aws/credentials, or attach an instance role (EC2 instance profile, ECS task role, EKS IRSA or pod identity) "
                + "with s3:GetObject on the bucket")
        }
    }
}
