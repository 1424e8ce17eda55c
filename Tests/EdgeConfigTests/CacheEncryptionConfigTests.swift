import Testing

@testable import EdgeConfig

@Suite("cache.encryption: kms, key_file or none")
struct CacheEncryptionConfigTests {
    static let keyARN = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    /// `body` under `cache:\n  encryption:\n`, so its first line is line 3.
    private func encryption(_ body: String) -> String {
        withRequired("cache:\n  encryption:\n" + body)
    }

    @Test("absent, the cache is stored in clear")
    func absent() throws {
        let (configuration, warnings) = try load(withRequired(""))
        #expect(configuration.cache.encryption == .none)
        #expect(configuration.cache.encryptionLine == 0)
        #expect(warnings.isEmpty)
    }

    @Test("mode kms with an ARN takes the region from it; credentials as for origins")
    func kmsWithARN() throws {
        let (configuration, warnings) = try load(encryption(
            """
                mode: KMS
                kms_key_id: \(Self.keyARN)
                kms_endpoint: https://kms.eu-west-2.amazonaws.com/
                credentials: { profile: cache }
            """))
        #expect(warnings.isEmpty)
        #expect(configuration.cache.encryption == .kms(KMSEncryptionSettings(
            keyID: Self.keyARN, region: "eu-west-2", endpoint: "https://kms.eu-west-2.amazonaws.com",
            credentials: .profile("cache"))))
        #expect(configuration.cache.encryptionLine == 3)
        guard case .kms(let settings) = configuration.cache.encryption else { return }
        #expect(settings.line == 4)
    }

    @Test("an alias or key id needs kms_region; the default chain and endpoint by default")
    func kmsWithAlias() throws {
        let (configuration, _) = try load(encryption("    mode: kms\n    kms_key_id: alias/s3edge-cache\n    kms_region: eu-west-2\n"))
        #expect(configuration.cache.encryption == .kms(KMSEncryptionSettings(
            keyID: "alias/s3edge-cache", region: "eu-west-2", endpoint: nil, credentials: .defaultChain)))
        let keyID = "1234abcd-12ab-34cd-56ef-1234567890ab"
        let (byID, _) = try load(encryption("    mode: kms\n    kms_key_id: \(keyID)\n    kms_region: us-east-1\n"))
        #expect(byID.cache.encryption == .kms(KMSEncryptionSettings(keyID: keyID, region: "us-east-1")))
        let aliasARN = "arn:aws:kms:eu-west-2:111122223333:alias/s3edge-cache"
        let (byAliasARN, _) = try load(encryption("    mode: kms\n    kms_key_id: \(aliasARN)\n    kms_region: eu-west-2\n"))
        #expect(byAliasARN.cache.encryption == .kms(KMSEncryptionSettings(keyID: aliasARN, region: "eu-west-2")))

        #expect(diagnostics(encryption("    mode: kms\n    kms_key_id: alias/s3edge-cache\n")) == [
            "s3edge.yaml:2: cache.encryption: missing required key \"kms_region\" (the key's region, e.g. eu-west-2; "
                + "not needed when kms_key_id is an ARN)"
        ])
    }

    @Test("mode key_file: a path resolved against the configuration's directory")
    func keyFile() throws {
        let (configuration, _) = try load(encryption("    mode: key_file\n    key_file: keys/../cache.key\n"))
        #expect(configuration.cache.encryption == .keyFile(path: "/etc/s3edge/cache.key", line: 0))
        guard case .keyFile(_, let line) = configuration.cache.encryption else { return }
        #expect(line == 4)
        let (absolute, _) = try load(encryption("    mode: key_file\n    key_file: /run/credentials/s3edge.service/cache.key\n"))
        #expect(absolute.cache.encryption == .keyFile(path: "/run/credentials/s3edge.service/cache.key", line: 0))
        #expect(diagnostics(encryption("    mode: key_file\n    key_file: ~/cache.key\n")) == [
            "s3edge.yaml:4: cache.encryption.key_file: \"~/cache.key\": \"~\" is not expanded; write an absolute path"
        ])
    }

    @Test("mode none, explicitly")
    func none() throws {
        let (configuration, _) = try load(encryption("    mode: none\n"))
        #expect(configuration.cache.encryption == .none)
        #expect(configuration.cache.encryptionLine == 3)
    }

    @Test("mode is required and must be known; unknown keys get a did-you-mean")
    func modeErrors() {
        #expect(diagnostics(encryption("    kms_key_id: alias/x\n    kms_region: eu-west-2\n")) == [
            "s3edge.yaml:2: cache.encryption: missing required key \"mode\" (kms, key_file or none)"
        ])
        #expect(diagnostics(encryption("    mode: aes\n")) == [
            "s3edge.yaml:3: cache.encryption.mode: \"aes\" is not supported; use kms, key_file or none"
        ])
        #expect(diagnostics(encryption("    mode: kms\n    kms_keyid: alias/x\n    kms_region: eu-west-2\n")) == [
            "s3edge.yaml:2: cache.encryption: missing required key \"kms_key_id\" (the KMS key that protects the "
                + "cache: \(CacheEncryptionSettings.keyIDShapes))",
            "s3edge.yaml:4: unknown key \"kms_keyid\" in cache.encryption; did you mean \"kms_key_id\"?",
        ])
        #expect(diagnostics(encryption("    mode: key_file\n")) == [
            "s3edge.yaml:2: cache.encryption: missing required key \"key_file\" (the file holding the 32-byte cache "
                + "key, e.g. /run/credentials/s3edge.service/cache.key)"
        ])
    }

    @Test("a key of another mode is an error naming that mode")
    func keysOfAnotherMode() {
        #expect(diagnostics(encryption(
            "    mode: kms\n    kms_key_id: \(Self.keyARN)\n    key_file: /etc/s3edge/cache.key\n")) == [
            "s3edge.yaml:5: cache.encryption.key_file: belongs to mode key_file, but mode is kms; remove it or set "
                + "mode: key_file"
        ])
        #expect(diagnostics(encryption(
            "    mode: key_file\n    key_file: cache.key\n    kms_region: eu-west-2\n    credentials: {}\n")) == [
            "s3edge.yaml:5: cache.encryption.kms_region: belongs to mode kms, but mode is key_file; remove it or set mode: kms",
            "s3edge.yaml:6: cache.encryption.credentials: belongs to mode kms, but mode is key_file; remove it or set "
                + "mode: kms",
        ])
        #expect(diagnostics(encryption("    mode: none\n    key_file: cache.key\n")) == [
            "s3edge.yaml:4: cache.encryption.key_file: belongs to mode key_file, but mode is none; remove it or set "
                + "mode: key_file"
        ])
    }

    @Test("kms_key_id: a key id, alias or KMS ARN; nothing else")
    func malformedKeyIDs() {
        func problem(_ keyID: String) -> [String] {
            diagnostics(encryption("    mode: kms\n    kms_key_id: \"\(keyID)\"\n    kms_region: eu-west-2\n"))
        }
        let shapes = CacheEncryptionSettings.keyIDShapes
        #expect(problem("s3edge-cache") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"s3edge-cache\" is not a KMS key; write \(shapes)"
        ])
        #expect(problem("alias/") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"alias/\": an alias is alias/ and 1 to 250 letters, digits, /, _ or -"
        ])
        #expect(problem("alias/aws/s3") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"alias/aws/s3\": alias/aws/ names an AWS managed key, which "
                + "only AWS services can use; create a customer managed key (aws kms create-key) and give its alias or ARN"
        ])
        #expect(problem("arn:aws:s3:::bucket") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"arn:aws:s3:::bucket\" is not a KMS key ARN: its service is "
                + "\"s3\", not kms; write \(shapes)"
        ])
        #expect(problem("arn:aws:kms:eu-west-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"arn:aws:kms:eu-west-2:1111:key/1234abcd-12ab-34cd-56ef-"
                + "1234567890ab\" is not a KMS key ARN: account \"1111\" is not a 12-digit AWS account id; write \(shapes)"
        ])
        #expect(problem("arn:aws:kms:eu-west-2:111122223333:key/nope") == [
            "s3edge.yaml:4: cache.encryption.kms_key_id: \"arn:aws:kms:eu-west-2:111122223333:key/nope\" is not a KMS "
                + "key ARN: the resource must be key/KEY-ID or alias/NAME; write \(shapes)"
        ])
    }

    @Test("kms_region must be a region and agree with an ARN's; kms_endpoint is scheme://host[:port]")
    func regionAndEndpoint() {
        #expect(diagnostics(encryption("    mode: kms\n    kms_key_id: \(Self.keyARN)\n    kms_region: us-east-1\n")) == [
            "s3edge.yaml:5: cache.encryption.kms_region: \"us-east-1\" differs from the region of kms_key_id "
                + "(eu-west-2); KMS keys are regional: remove kms_region or make it eu-west-2"
        ])
        #expect(diagnostics(encryption("    mode: kms\n    kms_key_id: alias/x\n    kms_region: London\n")) == [
            "s3edge.yaml:5: cache.encryption.kms_region: \"London\" is not an AWS region code such as eu-west-2"
        ])
        #expect(diagnostics(encryption(
            "    mode: kms\n    kms_key_id: \(Self.keyARN)\n    kms_endpoint: https://kms.example/v1\n")) == [
            "s3edge.yaml:5: cache.encryption.kms_endpoint: \"https://kms.example/v1\" has a path (\"/v1\"); the endpoint "
                + "is only scheme://host[:port]: KMS is always called at /"
        ])
        let (configuration, _) = (try? load(encryption(
            "    mode: kms\n    kms_key_id: \(Self.keyARN)\n    kms_endpoint: http://127.0.0.1:4566\n"))) ?? (nil, [])
        guard case .kms(let settings)? = configuration?.cache.encryption else {
            Issue.record("a loopback http endpoint is accepted")
            return
        }
        #expect(settings.endpoint == "http://127.0.0.1:4566")
    }

    @Test("credentials are decoded like an origin's, errors under cache.encryption.credentials")
    func credentials() {
        #expect(diagnostics(encryption(
            "    mode: kms\n    kms_key_id: \(Self.keyARN)\n    credentials: { profile: a, role_arn: b }\n")).count == 1)
        #expect(diagnostics(encryption("    mode: kms\n    kms_key_id: \(Self.keyARN)\n    credentials: yes\n")) == [
            "s3edge.yaml:5: cache.encryption.credentials: expected a mapping: {} for the default chain, or profile, "
                + "role_arn, or access_key_id with secret_access_key; got a single value (not shown)"
        ])
    }
}
