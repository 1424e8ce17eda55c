import Testing

@testable import EdgeConfig

@Suite("distribution origin: credentials")
struct OriginCredentialsTests {
    /// bucket on line 5, region on line 6, `credentials:` on line 7.
    private func credentials(_ value: String) -> String {
        originYAML("      bucket: assets\n      region: eu-west-2\n      credentials:\(value)")
    }

    private let path = "distributions[0].origin.credentials"
    private let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private let token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"

    @Test("{} and a profile")
    func defaultChainAndProfile() throws {
        let (chain, none) = try loadOrigin(credentials(" {}\n"))
        #expect(chain.credentials == .defaultChain && none.isEmpty)
        let (profile, _) = try loadOrigin(credentials(" { profile: media-reader }\n"))
        #expect(profile.credentials == .profile("media-reader"))
        #expect(diagnostics(credentials(" { profile: \"[profile media]\" }\n")) == [
            "s3edge.yaml:7: \(path).profile: \"[profile media]\" is not a profile name; write the name alone, "
                + "as in [profile NAME] of ~/.aws/config"
        ])
    }

    @Test("a role to assume, with optional session name and external id")
    func role() throws {
        let (origin, warnings) = try loadOrigin(
            credentials(
                """

                        role_arn: arn:aws:iam::111122223333:role/edge/s3edge-origin
                        session_name: edge-eu
                        external_id: ext-4711

                """))
        #expect(warnings.isEmpty)
        #expect(
            origin.credentials
                == .role(
                    arn: "arn:aws:iam::111122223333:role/edge/s3edge-origin", sessionName: "edge-eu",
                    externalID: "ext-4711"))
        let (minimal, _) = try loadOrigin(credentials(" { role_arn: \"arn:aws:iam::111122223333:role/edge\" }\n"))
        #expect(minimal.credentials == .role(arn: "arn:aws:iam::111122223333:role/edge", sessionName: nil, externalID: nil))
    }

    @Test("role values are checked; session_name alone lacks role_arn")
    func badRole() {
        #expect(diagnostics(credentials(" { role_arn: \"arn:aws:iam::111122223333:user/bob\" }\n")) == [
            "s3edge.yaml:7: \(path).role_arn: \"arn:aws:iam::111122223333:user/bob\" is not an IAM role ARN; "
                + "write arn:aws:iam::ACCOUNT:role/NAME"
        ])
        #expect(diagnostics(credentials(" { role_arn: \"arn:aws:iam::1234:role/edge\" }\n")) == [
            "s3edge.yaml:7: \(path).role_arn: \"arn:aws:iam::1234:role/edge\": account \"1234\" is not a 12-digit "
                + "AWS account id; write arn:aws:iam::ACCOUNT:role/NAME"
        ])
        #expect(diagnostics(credentials(" { session_name: \"edge eu\" }\n")) == [
            "s3edge.yaml:7: \(path): missing required key \"role_arn\" (the IAM role to assume, e.g. "
                + "arn:aws:iam::111122223333:role/s3edge-origin)",
            "s3edge.yaml:7: \(path).session_name: \"edge eu\" is not a valid session name: 2 to 64 letters, digits "
                + "or + = , . @ _ - (STS RoleSessionName)",
        ])
        let found = diagnostics(
            credentials(" { role_arn: \"arn:aws:iam::111122223333:role/edge\", external_id: x }\n"))
        #expect(found == [
            "s3edge.yaml:7: \(path).external_id: must be 2 to 1224 letters, digits or + = , . @ : / _ - "
                + "(STS ExternalId); the value is not shown"
        ])
    }

    @Test("static keys load with a warning, and the secret appears in no diagnostic")
    func staticKeys() throws {
        let yaml = credentials(
            """

                    access_key_id: AKIAIOSFODNN7EXAMPLE
                    secret_access_key: \(secret)
                    session_token: \(token)

            """)
        let (origin, warnings) = try loadOrigin(yaml)
        #expect(
            origin.credentials
                == .keys(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token))
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path): static keys in the config file: prefer the default chain (instance "
                + "role, AWS_PROFILE or AWS_* environment variables; remove credentials) or a profile; if you keep "
                + "them, make this file readable only by root and the service"
        ])
        #expect(!warnings.joined().contains(secret) && !warnings.joined().contains(token))
    }

    @Test("printing settings never shows the secret key, the session token or the external id")
    func redaction() {
        let origin = OriginSettings(
            bucket: "assets", region: "eu-west-2",
            credentials: .keys(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token))
        #expect(origin.credentials.description == "keys AKIAIOSFODNN7EXAMPLE/**** (session token ****)")
        var dumped = ""
        dump(origin, to: &dumped)
        for text in ["\(origin)", String(reflecting: origin), dumped, "\(origin.credentials)"] {
            #expect(text.contains("AKIAIOSFODNN7EXAMPLE"))
            #expect(!text.contains(secret) && !text.contains(token), "\(text)")
        }
        let role = OriginCredentialsSettings.role(arn: "arn:aws:iam::111122223333:role/r", sessionName: nil, externalID: "ext-4711")
        #expect(role.description == "role arn:aws:iam::111122223333:role/r (external id ****)")
        #expect(OriginCredentialsSettings.defaultChain.description == "default chain")
    }

    @Test("secret values are checked without being printed")
    func secretProblems() {
        let spaced = diagnostics(
            credentials(" { access_key_id: AKIAIOSFODNN7EXAMPLE, secret_access_key: \"wJalr XUtn\" }\n"))
        #expect(spaced == [
            "s3edge.yaml:7: \(path).secret_access_key: must be a non-empty string without spaces; the value is not shown"
        ])
        #expect(diagnostics(credentials(" { access_key_id: AKIAIOSFODNN7EXAMPLE, secret_access_key: [a, b] }\n")) == [
            "s3edge.yaml:7: \(path).secret_access_key: expected a string, got a list"
        ])
        let scalar = diagnostics(credentials(" \"AKIAIOSFODNN7EXAMPLE:\(secret)\"\n"))
        #expect(scalar == [
            "s3edge.yaml:7: \(path): expected a mapping: {} for the default chain, or profile, role_arn, or "
                + "access_key_id with secret_access_key; got a single value (not shown)"
        ])
        #expect(!scalar.joined().contains(secret))
        #expect(diagnostics(credentials(" { secret_access_key: \(secret) }\n")) == [
            "s3edge.yaml:7: \(path): missing required key \"access_key_id\" (the key's public half, e.g. "
                + "AKIAIOSFODNN7EXAMPLE)"
        ])
        #expect(diagnostics(credentials(" { access_key_id: \"AKIA-EXAMPLE\", secret_access_key: x }\n")) == [
            "s3edge.yaml:7: \(path).access_key_id: \"AKIA-EXAMPLE\" is not an access key id: only letters and "
                + "digits, e.g. AKIAIOSFODNN7EXAMPLE"
        ])
    }

    @Test("only one source of credentials; unknown keys list the allowed ones")
    func oneSource() {
        let yaml = credentials("\n        profile: media-reader\n        secret_access_key: \(secret)\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:7: \(path): profile (line 8) and secret_access_key (line 9) cannot be combined; choose one "
                + "source: profile, role_arn, or access_key_id with secret_access_key"
        ])
        #expect(diagnostics(credentials(" { secret_key: \(secret) }\n")) == [
            "s3edge.yaml:7: unknown key \"secret_key\" in \(path); allowed keys: profile, role_arn, session_name, "
                + "external_id, access_key_id, secret_access_key, session_token"
        ])
    }
}
