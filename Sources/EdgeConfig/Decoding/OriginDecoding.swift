extension OriginSettings {
    /// Keys of `distributions[].origin`.
    static let keys = [
        "type", "bucket", "region", "endpoint", "addressing", "key_prefix", "signing", "credentials",
        "require_sse_kms", "default_root_object", "connect_timeout", "first_byte_timeout", "idle_timeout",
        "total_timeout", "ca_file", "max_connections", "retries",
    ]

    /// Decodes one origin. Checks that involve several keys (endpoint against
    /// region, addressing against endpoint, ...) are in OriginChecks.swift.
    static func decode(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> OriginSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        if let value = reader["type"], let text = value.text(expected: "s3", &diagnostics), text.lowercased() != "s3" {
            value.problem("\(quoted(text)) is not supported: only s3 origins are supported (type: s3)", &diagnostics)
        }
        let bucket = reader.required("bucket", "the S3 bucket's name, e.g. myapp-private-assets", &diagnostics)
            .flatMap { decodeBucket($0, &diagnostics) }
        let endpoint = reader["endpoint"].flatMap { $0.endpoint(example: "https://s3.eu-west-2.amazonaws.com", &diagnostics) }
        let awsRules = reader["endpoint"] == nil || endpoint?.isAWS == true
        let region = reader.required("region", "the bucket's AWS region, e.g. eu-west-2", &diagnostics)
            .flatMap { decodeRegion($0, awsRules: awsRules, &diagnostics) }
        var settings = OriginSettings(
            bucket: bucket ?? "", region: region ?? "", endpoint: endpoint, line: entry.keyLine)
        if let endpoint, let entry = reader["endpoint"] {
            checkAWSEndpoint(endpoint, entry, region: region, reader, &diagnostics)
        }
        settings.addressing = decodeAddressing(reader, bucket: bucket, endpoint: endpoint, &diagnostics)
        settings.keyPrefix = reader["key_prefix"].flatMap { decodeKeyPrefix($0, &diagnostics) } ?? ""
        settings.defaultRootObject = reader["default_root_object"].flatMap { decodeRootObject($0, &diagnostics) } ?? ""
        settings.signing = reader["signing"]?.choice(OriginSigning.self, &diagnostics) ?? .always
        settings.credentials = reader["credentials"]
            .flatMap { OriginCredentialsSettings.decode($0, &diagnostics) } ?? .defaultChain
        settings.requireSSEKMS = reader["require_sse_kms"]
            .flatMap { SSEKMSRequirement.decode($0, &diagnostics) } ?? .anyKMSKey
        settings.connectTimeout = reader["connect_timeout"]?.duration(&diagnostics) ?? settings.connectTimeout
        settings.firstByteTimeout = reader["first_byte_timeout"]?.duration(&diagnostics) ?? settings.firstByteTimeout
        settings.idleTimeout = reader["idle_timeout"]?.duration(&diagnostics) ?? settings.idleTimeout
        settings.totalTimeout = reader["total_timeout"]?.duration(&diagnostics) ?? settings.totalTimeout
        settings.caFile = reader["ca_file"].flatMap { $0.readableFile(baseDirectory: baseDirectory, &diagnostics) }
        settings.maxConnections = reader["max_connections"]?.integer(in: 1...10_000, &diagnostics) ?? 64
        settings.retries = reader["retries"]?.integer(in: 0...5, &diagnostics) ?? 2
        guard diagnostics.errorCount == errorsBefore else { return nil }
        settings.check(reader, &diagnostics)
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }

    private static func decodeBucket(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let name = entry.string(expected: "a bucket name", &diagnostics) else { return nil }
        if name.hasPrefix("s3://") || name.hasPrefix("arn:") {
            entry.problem(
                "\(quoted(name)) is not a bucket name; write the name alone, e.g. myapp-private-assets", &diagnostics)
            return nil
        }
        if let rule = bucketNameProblem(name) {
            entry.problem("\(quoted(name)) is not a valid bucket name: \(rule) (S3 bucket naming rules)", &diagnostics)
            return nil
        }
        return name
    }

    /// AWS's shape ("eu-west-2") for AWS endpoints; any lower-case name
    /// ("auto", "garage") for other stores, which choose their own.
    private static func decodeRegion(
        _ entry: ConfigEntry, awsRules: Bool, _ diagnostics: inout Diagnostics
    ) -> String? {
        guard let region = entry.string(expected: "a region such as eu-west-2", &diagnostics) else { return nil }
        if awsRules ? isAWSRegion(region) : isStoreRegion(region) { return region }
        let lower = region.lowercased()
        if awsRules ? isAWSRegion(lower) : isStoreRegion(lower) {
            entry.problem("\(quoted(region)): region codes are lower case; write \(lower)", &diagnostics)
        } else if awsRules, let zone = lower.last, zone.isLetter, isAWSRegion(lower.dropLast()) {
            entry.problem(
                "\(quoted(region)) is an availability zone, not a region; write \(lower.dropLast())", &diagnostics)
        } else if awsRules {
            entry.problem(
                "\(quoted(region)) is not an AWS region code; write one shaped like eu-west-2, us-east-1 "
                    + "or us-gov-west-1 (the bucket's region, shown in the S3 console)", &diagnostics)
        } else {
            entry.problem(
                "\(quoted(region)) is not a region name; use lower-case letters, digits and hyphens, "
                    + "as the store expects in signatures (most S3-compatible stores use us-east-1)", &diagnostics)
        }
        return nil
    }

    private static func decodeKeyPrefix(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let prefix = entry.text(expected: "a key prefix such as \"img/\"", &diagnostics) else { return nil }
        if prefix.hasPrefix("/") {
            let fixed = String(prefix.drop { $0 == "/" })
            entry.problem(
                "\(quoted(prefix)) must not start with \"/\": S3 keys have no leading slash; write \(quoted(fixed))",
                &diagnostics)
            return nil
        }
        return prefix
    }

    private static func decodeRootObject(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> String? {
        guard let name = entry.text(expected: "an object key such as index.html", &diagnostics) else { return nil }
        if name.hasPrefix("/") {
            entry.problem(
                "\(quoted(name)) must not start with \"/\"; write \(quoted(name.drop { $0 == "/" })), "
                    + "a key relative to key_prefix", &diagnostics)
            return nil
        }
        return name
    }
}
