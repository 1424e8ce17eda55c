extension TrustedKeySettings {
    /// Keys of each `trusted_keys:` item.
    static let keys = ["id", "public_key"]

    /// Decodes a distribution's `trusted_keys`: at least one key, ids unique (a repeat is
    /// reported at the later item, naming the first's line), key files readable now.
    static func decodeList(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> [TrustedKeySettings] {
        let expected = "a list of keys, each with id and public_key"
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return [] }
        if items.isEmpty {
            entry.problem("must list at least one key (id and public_key), or remove trusted_keys", &diagnostics)
        }
        var keys: [TrustedKeySettings] = []
        var idLines: [String: Int] = [:]
        for item in items {
            guard let reader = MappingReader(item, known: Self.keys, &diagnostics) else { continue }
            let idEntry = reader.required("id", "the Key-Pair-Id signers put in URLs, e.g. K2JCJMDEHXQW5F", &diagnostics)
            let id = idEntry?.upperCaseID(example: "K2JCJMDEHXQW5F", &diagnostics)
            if let id, let idEntry {
                if let firstLine = idLines[id] {
                    idEntry.problem(
                        "\(quoted(id)) is already used by the key at line \(firstLine); key ids must be unique "
                            + "within a distribution", &diagnostics)
                } else {
                    idLines[id] = idEntry.line
                }
            }
            let keyEntry = reader.required(
                "public_key", "PEM file of the signers' public key, e.g. /etc/s3edge/keys/app-signer.pub.pem",
                &diagnostics)
            let path = keyEntry?.readableFile(baseDirectory: baseDirectory, &diagnostics)
            if let id, let keyEntry, let path {
                keys.append(TrustedKeySettings(id: id, publicKeyPath: path, line: item.keyLine, publicKeyLine: keyEntry.line))
            }
        }
        return keys
    }
}
