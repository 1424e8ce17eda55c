import Yams

extension OriginCredentialsSettings {
    /// Keys of `origin.credentials`, by source: at most one source may be used.
    static let sources: [(name: String, keys: [String])] = [
        ("profile", ["profile"]),
        ("role_arn", ["role_arn", "session_name", "external_id"]),
        ("access_key_id", ["access_key_id", "secret_access_key", "session_token"]),
    ]
    static let keys = sources.flatMap(\.keys)

    /// `{}` (the default chain), `profile`, `role_arn` or static keys. Values
    /// that may be secret (secret_access_key, session_token, external_id, or a
    /// scalar written where the mapping belongs) are never quoted in messages.
    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> OriginCredentialsSettings? {
        guard case .mapping = entry.node else {
            diagnostics.error(
                entry.line,
                "\(entry.path): expected a mapping: {} for the default chain, or profile, role_arn, or "
                    + "access_key_id with secret_access_key; got \(redactedKind(entry.node))")
            return nil
        }
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        // Per source: its name and the first of its keys written, with the line.
        let used = sources.compactMap { source -> (name: String, written: String, line: Int)? in
            guard let key = source.keys.first(where: { reader[$0] != nil }), let value = reader[key] else { return nil }
            return (source.name, key, value.keyLine)
        }
        if used.count > 1 {
            let named = used.map { "\($0.written) (line \($0.line))" }
            entry.problem(
                "\(named.dropLast().joined(separator: ", ")) and \(named[named.count - 1]) cannot be combined; "
                    + "choose one source: profile, role_arn, or access_key_id with secret_access_key", &diagnostics)
            return nil
        }
        let credentials: OriginCredentialsSettings
        switch used.first?.name {
        case "profile":
            let profile = reader["profile"].flatMap { decodeProfile($0, &diagnostics) }
            credentials = profile.map(Self.profile) ?? .defaultChain
        case "role_arn":
            let purpose = "the IAM role to assume, e.g. arn:aws:iam::111122223333:role/s3edge-origin"
            let arn = reader.required("role_arn", purpose, &diagnostics).flatMap { decodeRoleARN($0, &diagnostics) }
            let sessionName = reader["session_name"].flatMap { decodeSessionName($0, &diagnostics) }
            let externalID = reader["external_id"].flatMap { decodeExternalID($0, &diagnostics) }
            credentials = arn.map { .role(arn: $0, sessionName: sessionName, externalID: externalID) } ?? .defaultChain
        case "access_key_id":
            let keyPurpose = "the key's public half, e.g. AKIAIOSFODNN7EXAMPLE"
            let keyID = reader.required("access_key_id", keyPurpose, &diagnostics)
                .flatMap { decodeAccessKeyID($0, &diagnostics) }
            let secret = reader.required("secret_access_key", "the key's secret half", &diagnostics)
                .flatMap { $0.secret(&diagnostics) }
            let token = reader["session_token"].flatMap { $0.secret(&diagnostics) }
            guard let keyID, let secret else { return nil }
            credentials = .keys(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
            diagnostics.warning(
                entry.keyLine,
                "\(entry.path): static keys in the config file: prefer the default chain (instance role, "
                    + "AWS_PROFILE or AWS_* environment variables; remove credentials) or a profile; if you keep "
                    + "them, make this file readable only by root and the service")
        default:
            credentials = .defaultChain
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return credentials
    }

    private static func decodeProfile(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let name = entry.string(expected: "a profile name", &diagnostics) else { return nil }
        guard !name.contains(where: { $0.isWhitespace || $0 == "[" || $0 == "]" }) else {
            entry.problem(
                "\(quoted(name)) is not a profile name; write the name alone, as in [profile NAME] of ~/.aws/config",
                &diagnostics)
            return nil
        }
        return name
    }

    private static func decodeRoleARN(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let text = entry.string(expected: "an IAM role ARN", &diagnostics) else { return nil }
        let shape = "arn:aws:iam::ACCOUNT:role/NAME"
        guard let arn = ARN(text), arn.service == "iam", arn.region.isEmpty, arn.resource.hasPrefix("role/"),
            arn.resource.count > 5
        else {
            entry.problem("\(quoted(text)) is not an IAM role ARN; write \(shape)", &diagnostics)
            return nil
        }
        if let problem = arn.accountProblem {
            entry.problem("\(quoted(text)): \(problem); write \(shape)", &diagnostics)
            return nil
        }
        return text
    }

    /// STS's RoleSessionName: 2 to 64 of `[A-Za-z0-9+=,.@_-]`.
    private static func decodeSessionName(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let name = entry.string(expected: "a session name", &diagnostics) else { return nil }
        guard (2...64).contains(name.count), name.allSatisfy({ isIAMNameCharacter($0) }) else {
            entry.problem(
                "\(quoted(name)) is not a valid session name: 2 to 64 letters, digits or + = , . @ _ - "
                    + "(STS RoleSessionName)", &diagnostics)
            return nil
        }
        return name
    }

    /// STS's ExternalId: 2 to 1224 of `[A-Za-z0-9+=,.@:/_-]`. Not quoted back.
    private static func decodeExternalID(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let id = entry.secret(&diagnostics) else { return nil }
        guard (2...1224).contains(id.count), id.allSatisfy({ isIAMNameCharacter($0) || $0 == ":" || $0 == "/" }) else {
            entry.problem(
                "must be 2 to 1224 letters, digits or + = , . @ : / _ - (STS ExternalId); the value is not shown",
                &diagnostics)
            return nil
        }
        return id
    }

    private static func decodeAccessKeyID(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let id = entry.string(expected: "an access key id", &diagnostics) else { return nil }
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            entry.problem(
                "\(quoted(id)) is not an access key id: only letters and digits, e.g. AKIAIOSFODNN7EXAMPLE",
                &diagnostics)
            return nil
        }
        return id
    }
}

extension ConfigEntry {
    /// A non-empty string that may be secret: no message ever shows it.
    func secret(_ diagnostics: inout Diagnostics) -> String? {
        guard case .scalar(let scalar) = node, !scalar.isNull else {
            diagnostics.error(line, "\(path): expected a string, got \(redactedKind(node))")
            return nil
        }
        guard !scalar.string.isEmpty, !scalar.string.contains(where: \.isWhitespace) else {
            problem("must be a non-empty string without spaces; the value is not shown", &diagnostics)
            return nil
        }
        return scalar.string
    }
}

/// `kindDescription` without the value of a scalar, which may be a secret.
private func redactedKind(_ node: Node) -> String {
    guard case .scalar(let scalar) = node else { return node.kindDescription }
    return scalar.isNull ? "an empty value" : "a single value (not shown)"
}

private func isIAMNameCharacter(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character.isNumber || "+=,.@_-".contains(character))
}
