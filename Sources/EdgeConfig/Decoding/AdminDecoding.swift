extension AdminSettings {
    /// Keys of the `admin:` section.
    static let keys = ["tls", "tokens_file", "access_keys"]

    static func decode(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> AdminSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = AdminSettings(line: entry.keyLine)
        settings.tls = reader["tls"]?.bool(&diagnostics) ?? false
        settings.tokensFile = reader["tokens_file"].flatMap { $0.readableFile(baseDirectory: baseDirectory, &diagnostics) }
        if let list = reader["access_keys"]?.items(expected: "a list of {id, secret_file}", allowSingle: false, &diagnostics) {
            settings.accessKeys = list.compactMap { AdminAccessKey.decode($0, baseDirectory: baseDirectory, &diagnostics) }
            var seen: [String: Int] = [:]
            for key in settings.accessKeys {
                if let first = seen[key.id] {
                    diagnostics.error(key.line, "admin.access_keys: id \(quoted(key.id)) is already listed at line \(first); "
                        + "each access key id may appear once")
                } else {
                    seen[key.id] = key.line
                }
            }
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }
}

extension AdminAccessKey {
    static let keys = ["id", "secret_file"]

    static func decode(_ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics) -> AdminAccessKey? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        let id = reader.required("id", "the access key id clients sign with, e.g. AKIAEXAMPLEADMIN01", &diagnostics)
            .flatMap { idEntry -> String? in
                guard let text = idEntry.string(expected: "an access key id", &diagnostics) else { return nil }
                let valid = (16...128).contains(text.count)
                    && text.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }
                if !valid {
                    idEntry.problem("\(quoted(text)) is not an access key id: use 16 to 128 upper-case letters "
                        + "and digits, as AWS does (e.g. AKIAEXAMPLEADMIN01)", &diagnostics)
                    return nil
                }
                return text
            }
        let secretFile = reader.required("secret_file", "a file holding the secret access key", &diagnostics)
            .flatMap { $0.readableFile(baseDirectory: baseDirectory, &diagnostics) }
        guard diagnostics.errorCount == errorsBefore, let id, let secretFile else { return nil }
        return AdminAccessKey(id: id, secretFile: secretFile, line: entry.keyLine)
    }
}

extension AccessLogSettings {
    /// Keys of the `access_log:` section.
    static let keys = ["path", "format", "log_cookies"]

    static func decode(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> AccessLogSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = AccessLogSettings(line: reader["path"]?.line ?? entry.keyLine)
        if let pathEntry = reader["path"],
            let text = pathEntry.text(expected: "off, stderr, or a file path such as /var/log/s3edge/access.log", &diagnostics)
        {
            switch text {
            case "off", "false": settings.destination = .off
            case "stderr": settings.destination = .stderr
            default:
                if let path = pathEntry.filePath(baseDirectory: baseDirectory, &diagnostics) {
                    settings.destination = .file(path)
                }
            }
        }
        settings.format = reader["format"]?.choice(Format.self, &diagnostics) ?? .w3c
        settings.logCookies = reader["log_cookies"]?.bool(&diagnostics) ?? false
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }
}

extension ConfigLoader {
    /// An admin listener reachable from the network in clear text. (One without credentials is
    /// logged at start instead: a deliberate default, not a mistake.)
    static func adminWarnings(_ configuration: EdgeConfiguration, _ root: MappingReader, _ diagnostics: inout Diagnostics) {
        guard let address = configuration.listen.admin else { return }
        let line = root["admin"]?.line ?? root["listen"]?.child("admin")?.line ?? root["listen"]?.line ?? 1
        let loopback = address.host == "localhost" || address.host == "::1" || address.host.hasPrefix("127.")
        if !loopback && !configuration.admin.tls {
            diagnostics.warning(line, "the admin API listens on \(address) without TLS: tokens and signed requests "
                + "cross the network in clear; set admin.tls: true or bind it to 127.0.0.1")
        }
    }
}
