extension CacheEncryptionSettings {
    /// The modes of `cache.encryption.mode`.
    enum Mode: String, CaseIterable {
        case kms, keyFile = "key_file", none
    }

    /// Keys of `cache.encryption`, by the mode they belong to.
    static let modeKeys: [(mode: Mode, keys: [String])] = [
        (.kms, ["kms_key_id", "kms_region", "kms_endpoint", "credentials"]),
        (.keyFile, ["key_file"]),
    ]
    static let keys = ["mode"] + modeKeys.flatMap(\.keys)

    static let keyIDShapes = "a key id (1234abcd-12ab-34cd-56ef-1234567890ab), alias/NAME, "
        + "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME"

    /// `mode` (required), then the keys of that mode; a key of another mode is an error naming
    /// the mode it belongs to.
    static func decode(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> CacheEncryptionSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics),
              let mode = reader.required("mode", "kms, key_file or none", &diagnostics)?.choice(Mode.self, &diagnostics)
        else { return nil }
        for (owner, ownKeys) in modeKeys where owner != mode {
            for key in ownKeys {
                guard let stray = reader[key] else { continue }
                diagnostics.error(
                    stray.keyLine,
                    "\(stray.path): belongs to mode \(owner.rawValue), but mode is \(mode.rawValue); remove it or set "
                        + "mode: \(owner.rawValue)")
            }
        }
        let settings: CacheEncryptionSettings?
        switch mode {
        case .none:
            settings = CacheEncryptionSettings.none
        case .keyFile:
            let purpose = "the file holding the 32-byte cache key, e.g. /run/credentials/s3edge.service/cache.key"
            settings = reader.required("key_file", purpose, &diagnostics)
                .flatMap { key in key.filePath(baseDirectory: baseDirectory, &diagnostics).map { (key, $0) } }
                .map { .keyFile(path: $0.1, line: $0.0.line) }
        case .kms:
            settings = KMSEncryptionSettings.decode(reader, &diagnostics).map(Self.kms)
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }
}

extension KMSEncryptionSettings {
    static func decode(_ reader: MappingReader, _ diagnostics: inout Diagnostics) -> KMSEncryptionSettings? {
        let purpose = "the KMS key that protects the cache: \(CacheEncryptionSettings.keyIDShapes)"
        guard let keyEntry = reader.required("kms_key_id", purpose, &diagnostics),
              let key = decodeKeyID(keyEntry, &diagnostics)
        else { return nil }
        var region = key.region
        if let regionEntry = reader["kms_region"],
           let written = regionEntry.string(expected: "an AWS region such as eu-west-2", &diagnostics) {
            if !isAWSRegion(written) {
                regionEntry.problem("\(quoted(written)) is not an AWS region code such as eu-west-2", &diagnostics)
            } else if let arnRegion = key.region, arnRegion != written {
                regionEntry.problem(
                    "\(quoted(written)) differs from the region of kms_key_id (\(arnRegion)); KMS keys are regional: "
                        + "remove kms_region or make it \(arnRegion)", &diagnostics)
            }
            region = written
        } else if region == nil {
            diagnostics.error(
                reader.line,
                "\(reader.path): missing required key \"kms_region\" (the key's region, e.g. eu-west-2; "
                    + "not needed when kms_key_id is an ARN)")
        }
        let endpoint = reader["kms_endpoint"].flatMap {
            $0.endpoint(example: "https://kms.eu-west-2.amazonaws.com", pathAdvice: "KMS is always called at /", &diagnostics)
        }
        var credentials = OriginCredentialsSettings.defaultChain
        if let entry = reader["credentials"] {
            guard let decoded = OriginCredentialsSettings.decode(entry, &diagnostics) else { return nil }
            credentials = decoded
        }
        guard let region else { return nil }
        return KMSEncryptionSettings(
            keyID: key.text, region: region, endpoint: endpoint?.description, credentials: credentials,
            line: keyEntry.line)
    }

    /// A key id, alias name, or key/alias ARN; the region when it is an ARN.
    private static func decodeKeyID(
        _ entry: ConfigEntry, _ diagnostics: inout Diagnostics
    ) -> (text: String, region: String?)? {
        guard let text = entry.string(expected: "a KMS key id, alias or ARN", &diagnostics) else { return nil }
        let shapes = CacheEncryptionSettings.keyIDShapes
        guard let arn = ARN(text) else {
            if text.hasPrefix("alias/") {
                guard let problem = aliasProblem(text) else { return (text, nil) }
                entry.problem("\(quoted(text)): \(problem)", &diagnostics)
            } else if isKMSKeyID(text) {
                return (text, nil)
            } else {
                entry.problem("\(quoted(text)) is not a KMS key; write \(shapes)", &diagnostics)
            }
            return nil
        }
        var problem: String?
        if arn.service != "kms" {
            problem = "its service is \(quoted(arn.service)), not kms"
        } else if let accountProblem = arn.accountProblem {
            problem = accountProblem
        } else if !isAWSRegion(arn.region) {
            problem = "\(quoted(arn.region)) is not a region code"
        } else if arn.resource.hasPrefix("alias/") {
            problem = aliasProblem(String(arn.resource))
        } else if !arn.resource.hasPrefix("key/") || !isKMSKeyID(arn.resource.dropFirst(4)) {
            problem = "the resource must be key/KEY-ID or alias/NAME"
        }
        if let problem {
            entry.problem("\(quoted(text)) is not a KMS key ARN: \(problem); write \(shapes)", &diagnostics)
            return nil
        }
        return (text, String(arn.region))
    }

    /// KMS alias names: `alias/` and 1 to 250 letters, digits, `/`, `_` or `-`; `alias/aws/`
    /// names AWS managed keys, which only AWS services may use.
    private static func aliasProblem(_ alias: String) -> String? {
        let name = alias.dropFirst("alias/".count)
        guard (1...250).contains(name.count),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_-".contains($0)) })
        else {
            return "an alias is alias/ and 1 to 250 letters, digits, /, _ or -"
        }
        if name.hasPrefix("aws/") {
            return "alias/aws/ names an AWS managed key, which only AWS services can use; create a customer managed "
                + "key (aws kms create-key) and give its alias or ARN"
        }
        return nil
    }
}
