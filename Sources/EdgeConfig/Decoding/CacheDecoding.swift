extension CacheSettings {
    /// Keys of the `cache:` section.
    static let keys = ["path", "max_size", "encryption"]

    static func decode(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> CacheSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = CacheSettings(line: reader["path"]?.line ?? entry.line)
        if let path = reader["path"].flatMap({ decodeDirectory($0, baseDirectory: baseDirectory, &diagnostics) }) {
            settings.path = path
        }
        settings.maxSize = reader["max_size"]?.size(in: maxSizeRange, &diagnostics) ?? settings.maxSize
        if let entry = reader["encryption"],
           let encryption = CacheEncryptionSettings.decode(entry, baseDirectory: baseDirectory, &diagnostics) {
            settings.encryption = encryption
            settings.encryptionLine = entry.child("mode")?.line ?? entry.keyLine
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }

    /// A directory path; relative paths are resolved against the
    /// configuration's directory, like certificate paths. Not checked for
    /// existence: the store creates it, and under systemd it appears only
    /// when the service starts.
    private static func decodeDirectory(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> String? {
        guard let text = entry.string(expected: "a directory such as /var/cache/s3edge", &diagnostics) else {
            return nil
        }
        if text.hasPrefix("~") {
            entry.problem("\(quoted(text)): \"~\" is not expanded; write an absolute path", &diagnostics)
            return nil
        }
        return resolvePath(text, against: baseDirectory)
    }
}
