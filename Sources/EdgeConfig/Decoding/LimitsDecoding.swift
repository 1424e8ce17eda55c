extension LimitSettings {
    /// Keys of the `limits:` section.
    static let keys = [
        "max_header_size", "header_timeout", "idle_timeout", "max_connections",
        "http2_max_concurrent_streams", "drain_timeout",
    ]

    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> LimitSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var limits = LimitSettings()
        if let value = reader["max_header_size"]?.size(in: maxHeaderSizeRange, &diagnostics) {
            limits.maxHeaderSize = value
        }
        limits.headerTimeout = reader["header_timeout"]?.duration(&diagnostics) ?? limits.headerTimeout
        limits.idleTimeout = reader["idle_timeout"]?.duration(&diagnostics) ?? limits.idleTimeout
        if let value = reader["max_connections"]?.integer(in: 1...10_000_000, &diagnostics) {
            limits.maxConnections = value
        }
        if let value = reader["http2_max_concurrent_streams"]?.integer(in: 1...Int(Int32.max), &diagnostics) {
            limits.http2MaxConcurrentStreams = value
        }
        limits.drainTimeout = reader["drain_timeout"]?.duration(&diagnostics) ?? limits.drainTimeout
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return limits
    }
}

extension LogSettings {
    /// Keys of the `log:` section.
    static let keys = ["level"]

    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> LogSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = LogSettings()
        settings.level = reader["level"]?.choice(LogLevelName.self, &diagnostics) ?? settings.level
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }
}
