/// Static keys of the selected profile (`AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else
/// `default`) in `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`) and `~/.aws/config`
/// (`AWS_CONFIG_FILE`); the credentials file wins key by key.
///
/// Profiles that get credentials some other way (`credential_process`, SSO, `role_arn`, …) are
/// reported as unsupported rather than skipped: the operator configured them on purpose.
struct SharedFilesCredentialsLink: CredentialsChainLink {
    var environment: CredentialsEnvironment
    var step: CredentialsChainStep { .sharedFiles }

    /// Profile keys that mean "credentials come from elsewhere", with what to say about each.
    private static let unsupportedKeys: [(key: String, what: String)] = [
        ("credential_process", "runs credential_process"),
        ("sso_session", "uses IAM Identity Center (sso_session)"),
        ("sso_start_url", "uses IAM Identity Center (sso_start_url)"),
        ("role_arn", "assumes a role (role_arn)"),
        ("web_identity_token_file", "uses web_identity_token_file"),
        ("credential_source", "uses credential_source"),
        ("login_session", "uses console login (login_session)"),
    ]

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        let explicitProfile = environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"]
        let profile = explicitProfile ?? "default"
        let credentialsFile = try load(variable: "AWS_SHARED_CREDENTIALS_FILE", defaultPath: "~/.aws/credentials", kind: .credentials)
        let configFile = try load(variable: "AWS_CONFIG_FILE", defaultPath: "~/.aws/config", kind: .config)
        let files = [credentialsFile, configFile]
        let searched = files.map { "\($0.path) (\($0.note))" }.joined(separator: " and ")

        guard files.contains(where: { $0.profiles.profiles[profile] != nil }) else {
            guard explicitProfile != nil else { return .unavailable("no profile default in \(searched)") }
            let known = Set(files.flatMap { $0.profiles.profiles.keys }).sorted()
            throw failure("profile \"\(profile)\" (AWS_PROFILE) is not in \(searched)"
                          + (known.isEmpty ? "" : "; profiles found: \(known.joined(separator: ", "))"),
                          fix: "correct AWS_PROFILE, or add the profile: [\(profile)] in the credentials file, [profile \(profile)] in the config file")
        }
        // Key by key, credentials file over config file, like the CLI.
        var properties: [String: String] = [:]
        var keyFile: [String: String] = [:]
        for file in files.reversed() {
            for (key, value) in file.profiles.profiles[profile] ?? [:] {
                properties[key] = value
                keyFile[key] = file.path
            }
        }
        return try credentials(profile: profile, properties: properties, keyFile: keyFile, explicit: explicitProfile != nil)
    }

    private func credentials(
        profile: String, properties: [String: String], keyFile: [String: String], explicit: Bool
    ) throws(CredentialsFailure) -> CredentialsLinkResult {
        let keyID = properties["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = properties["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
        if let keyID, let secret {
            let token = (properties["aws_session_token"] ?? properties["aws_security_token"]).flatMap { $0.isEmpty ? nil : $0 }
            let path = keyFile["aws_access_key_id"] ?? ""
            return .resolved(ResolvedCredentials(
                credentials: SigV4Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token),
                expiration: nil, source: .sharedFiles(profile: profile, path: path)
            ))
        }
        if keyID != nil || secret != nil {
            let (has, lacks) = keyID != nil ? ("aws_access_key_id", "aws_secret_access_key") : ("aws_secret_access_key", "aws_access_key_id")
            throw failure("profile \"\(profile)\" has \(has) but no \(lacks) (in \(keyFile[has] ?? "?"))",
                          fix: "add \(lacks) to the profile, or remove \(has)")
        }
        if let unsupported = Self.unsupportedKeys.first(where: { properties[$0.key] != nil }) {
            throw failure("profile \"\(profile)\" \(unsupported.what), which s3edge does not support; it reads static keys only",
                          fix: "run s3edge with a role attached instead (instance profile, ECS task role, EKS IRSA), or export "
                              + "temporary keys, e.g. eval \"$(aws configure export-credentials --profile \(profile) --format env)\"")
        }
        guard explicit else { return .unavailable("profile default has no aws_access_key_id") }
        throw failure("profile \"\(profile)\" (AWS_PROFILE) has no aws_access_key_id / aws_secret_access_key",
                      fix: "add the keys to [\(profile)] in the credentials file, or select another profile")
    }

    private struct LoadedFile {
        var path: String
        var note: String
        var profiles: AWSProfileFile
    }

    private func load(variable: String, defaultPath: String, kind: AWSProfileFile.Kind) throws(CredentialsFailure) -> LoadedFile {
        let configured = environment[variable]
        guard let path = environment.expandingHome(configured ?? defaultPath) else {
            return LoadedFile(path: configured ?? defaultPath, note: "no home directory to expand ~", profiles: AWSProfileFile(parsing: "", kind: kind))
        }
        switch CredentialsFile.contents(of: path) {
        case .text(let text):
            let profiles = AWSProfileFile(parsing: text, kind: kind)
            return LoadedFile(path: path, note: "\(profiles.profiles.count) profile\(profiles.profiles.count == 1 ? "" : "s")", profiles: profiles)
        case .missing:
            if configured != nil {
                throw failure("\(variable) points to \(path), which does not exist", fix: "correct \(variable) or unset it")
            }
            return LoadedFile(path: path, note: "no such file", profiles: AWSProfileFile(parsing: "", kind: kind))
        case .unreadable(let reason):
            throw failure("cannot read \(path): \(reason)",
                          fix: "make it readable by the user s3edge runs as, or point \(variable) at another file")
        }
    }

    private func failure(_ reason: String, fix: String) -> CredentialsFailure {
        CredentialsFailure(step: step, reason: reason, fix: fix)
    }
}
