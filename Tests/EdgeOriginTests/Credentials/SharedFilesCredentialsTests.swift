import Foundation
import Testing

@testable import EdgeOrigin

/// `~/.aws/credentials` and `~/.aws/config`: profile selection, file overrides, what is unsupported.
@Suite struct SharedFilesCredentialsTests {
    static let now = CredentialsFixtures.t0
    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = \(CredentialsFixtures.secret)

        [edge]
        aws_access_key_id = AKIDEDGE
        aws_secret_access_key = \(CredentialsFixtures.secret)
        aws_session_token = \(CredentialsFixtures.sessionToken)
        """

    static func resolve(_ variables: [String: String], home: TemporaryDirectory) async throws -> ResolvedCredentials {
        try await CredentialsFixtures.chain(variables.merging(CredentialsFixtures.noIMDS) { $1 }, home: home).resolve(now: now)
    }

    static func failure(_ variables: [String: String], home: TemporaryDirectory) async -> String {
        do {
            let resolved = try await resolve(variables, home: home)
            Issue.record("expected an error, got \(resolved)")
            return ""
        } catch {
            CredentialsFixtures.expectNoSecrets("\(error)")
            return "\(error)"
        }
    }

    @Test func defaultProfileFromTheHomeDirectory() async throws {
        try await withTemporaryHome { home in
            let path = try home.write(".aws/credentials", Self.credentialsFile)
            let resolved = try await Self.resolve([:], home: home)
            #expect(resolved.credentials == SigV4Credentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: CredentialsFixtures.secret))
            #expect(resolved.source == .sharedFiles(profile: "default", path: path))
            #expect("\(resolved.source)" == "profile default in \(path)")
        }
    }

    @Test func awsProfileSelectsAProfileWithItsSessionToken() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/credentials", Self.credentialsFile)
            let resolved = try await Self.resolve(["AWS_PROFILE": "edge"], home: home)
            #expect(resolved.credentials.accessKeyID == "AKIDEDGE")
            #expect(resolved.credentials.sessionToken == CredentialsFixtures.sessionToken)
        }
    }

    @Test func fileVariablesOverrideTheDefaultPaths() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/credentials", Self.credentialsFile)
            let elsewhere = try home.write("elsewhere/creds", "[default]\naws_access_key_id = AKIDELSEWHERE\naws_secret_access_key = x\n")
            let config = try home.write("elsewhere/conf", "[profile cfg]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = y\n")
            #expect(try await Self.resolve(["AWS_SHARED_CREDENTIALS_FILE": elsewhere], home: home).credentials.accessKeyID == "AKIDELSEWHERE")
            let fromConfig = try await Self.resolve(["AWS_CONFIG_FILE": config, "AWS_PROFILE": "cfg"], home: home)
            #expect(fromConfig.credentials.accessKeyID == "AKIDCONFIG")
            #expect(fromConfig.source == .sharedFiles(profile: "cfg", path: config))
            // `~` in a path variable is the injected home, not the real one.
            #expect(try await Self.resolve(["AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere/creds"], home: home).credentials.accessKeyID == "AKIDELSEWHERE")
        }
    }

    @Test func credentialsFileWinsOverConfigKeyByKey() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/config", "[profile edge]\nregion = eu-west-2\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n")
            let credentials = try home.write(".aws/credentials", "[edge]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = d\n")
            let resolved = try await Self.resolve(["AWS_PROFILE": "edge"], home: home)
            #expect(resolved.credentials == SigV4Credentials(accessKeyID: "AKIDCREDS", secretAccessKey: "d"))
            #expect(resolved.source == .sharedFiles(profile: "edge", path: credentials))
        }
    }

    @Test func aMissingSelectedProfileIsAnErrorListingTheProfiles() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/credentials", Self.credentialsFile)
            let text = await Self.failure(["AWS_PROFILE": "prod"], home: home)
            #expect(text.hasPrefix("could not load AWS credentials from shared credentials/config files: profile \"prod\" (AWS_PROFILE) "
                + "is not in \(home.path)/.aws/credentials (2 profiles) and \(home.path)/.aws/config (no such file); "
                + "profiles found: default, edge. Fix: correct AWS_PROFILE, or add the profile: [prod] in the credentials file, "
                + "[profile prod] in the config file"))
        }
    }

    @Test func aDefaultProfileWithoutKeysIsSkipped() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/config", "[default]\nregion = eu-west-2\n")
            let text = await Self.failure([:], home: home)
            #expect(text.hasPrefix("no AWS credentials found"))
            #expect(text.contains("shared credentials/config files: profile default has no aws_access_key_id;"))
        }
    }

    @Test func credentialProcessAndRolesAreReportedAsUnsupported() async throws {
        try await withTemporaryHome { home in
            try home.write(".aws/config", """
                [profile proc]
                credential_process = /usr/local/bin/get-creds --secret \(CredentialsFixtures.secret)
                [profile assume]
                role_arn = arn:aws:iam::123456789012:role/Edge
                source_profile = default
                [profile sso]
                sso_session = corp
                """)
            let process = await Self.failure(["AWS_PROFILE": "proc"], home: home)
            #expect(process == "could not load AWS credentials from shared credentials/config files: profile \"proc\" runs "
                + "credential_process, which s3edge does not support; it reads static keys only. Fix: run s3edge with a role "
                + "attached instead (instance profile, ECS task role, EKS IRSA), or export temporary keys, e.g. "
                + "eval \"$(aws configure export-credentials --profile proc --format env)\" (skipped before it: "
                + "explicit keys in the configuration: none configured; environment variables: AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY are not set; web identity (STS AssumeRoleWithWebIdentity): AWS_WEB_IDENTITY_TOKEN_FILE "
                + "and AWS_ROLE_ARN are not set)")
            #expect(await Self.failure(["AWS_PROFILE": "assume"], home: home).contains("profile \"assume\" assumes a role (role_arn)"))
            #expect(await Self.failure(["AWS_PROFILE": "sso"], home: home).contains("uses IAM Identity Center (sso_session)"))
        }
    }

    @Test func aProfileWithHalfTheKeysIsAnError() async throws {
        try await withTemporaryHome { home in
            let path = try home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDHALF\n")
            let text = await Self.failure([:], home: home)
            #expect(text.contains("profile \"default\" has aws_access_key_id but no aws_secret_access_key (in \(path)). "
                + "Fix: add aws_secret_access_key to the profile, or remove aws_access_key_id"))
        }
    }

    @Test func aCredentialsFileVariablePointingNowhereIsAnError() async throws {
        try await withTemporaryHome { home in
            let text = await Self.failure(["AWS_SHARED_CREDENTIALS_FILE": home.path + "/nope"], home: home)
            #expect(text.contains("AWS_SHARED_CREDENTIALS_FILE points to \(home.path)/nope, which does not exist"))
        }
    }
}
