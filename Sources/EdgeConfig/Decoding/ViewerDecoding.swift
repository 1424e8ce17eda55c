extension ViewerSettings {
    /// Keys of the `viewer:` section.
    static let keys = ["protocol_policy", "hsts"]

    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> ViewerSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = ViewerSettings()
        if let value = reader["protocol_policy"] {
            settings.protocolPolicy = value.choice(ViewerProtocolPolicy.self, &diagnostics) ?? settings.protocolPolicy
        }
        settings.hsts = reader["hsts"].flatMap { HSTSSettings.decode($0, &diagnostics) }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }
}

extension HSTSSettings {
    /// Keys of `viewer.hsts`.
    static let keys = ["max_age", "include_subdomains", "preload"]

    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> HSTSSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        let maxAge = reader.required("max_age", "seconds browsers keep to HTTPS, e.g. 31536000", &diagnostics)?
            .integer(in: 0...Int(Int32.max), &diagnostics)
        // nil: key absent (false); .some(nil): invalid value, already reported.
        let include = reader["include_subdomains"].map { $0.bool(&diagnostics) }
        let includeSubdomains = (include ?? false) ?? false
        let preload = reader["preload"]?.bool(&diagnostics) ?? false
        if preload, let preloadEntry = reader["preload"] {
            if !includeSubdomains, include != .some(nil) {
                preloadEntry.problem(
                    "true requires include_subdomains: true (hstspreload.org rules); add it or set preload: false",
                    &diagnostics)
            }
            if let maxAge, maxAge < preloadMinimumMaxAge {
                preloadEntry.problem(
                    "true requires max_age of at least \(preloadMinimumMaxAge) (one year, hstspreload.org rules), "
                        + "got \(maxAge)", &diagnostics)
            }
        }
        guard diagnostics.errorCount == errorsBefore, let maxAge else { return nil }
        return HSTSSettings(maxAge: maxAge, includeSubdomains: includeSubdomains, preload: preload)
    }
}
