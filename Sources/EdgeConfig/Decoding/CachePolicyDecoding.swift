extension CachePolicySettings {
    /// Keys of `distributions[].cache_policy`.
    static let keys = ["min_ttl", "default_ttl", "max_ttl", "query_strings", "headers", "cookies"]

    /// Decodes one cache policy. Omitted TTLs follow CloudFront: `default_ttl`
    /// is 86400 or `min_ttl` if larger; `max_ttl` is 31536000 or `default_ttl`
    /// if larger. Written values must satisfy min ≤ default ≤ max.
    ///
    /// A behavior's policy passes its distribution's as `base`, named `baseName` in messages:
    /// omitted keys then take the base's values instead of the defaults (an omitted TTL still
    /// rises to the written ones below it, as above).
    static func decode(
        _ entry: ConfigEntry, inheriting base: CachePolicySettings = CachePolicySettings(), baseName: String? = nil,
        _ diagnostics: inout Diagnostics
    ) -> CachePolicySettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = base
        settings.line = entry.keyLine
        settings.minTTL = reader["min_ttl"]?.ttl(&diagnostics) ?? base.minTTL
        settings.defaultTTL = reader["default_ttl"]?.ttl(&diagnostics) ?? max(base.defaultTTL, settings.minTTL)
        settings.maxTTL = reader["max_ttl"]?.ttl(&diagnostics) ?? max(base.maxTTL, settings.defaultTTL)
        if diagnostics.errorCount == errorsBefore {
            checkOrder(settings, reader, baseName: baseName, &diagnostics)
        }
        if let entry = reader["query_strings"] {
            settings.queryStrings = decodeItems(entry, noun: "query parameter", isValid: isQueryName, &diagnostics) ?? .none
        }
        if let entry = reader["headers"] {
            settings.headers = decodeHeaders(entry, &diagnostics) ?? []
        }
        if let entry = reader["cookies"] {
            settings.cookies = decodeItems(entry, noun: "cookie", isValid: isToken, &diagnostics) ?? .none
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return settings
    }

    /// min ≤ default ≤ max, reported at the key that was written against the
    /// order (the later one when both were written). A value taken from the
    /// base policy says so.
    private static func checkOrder(
        _ settings: CachePolicySettings, _ reader: MappingReader, baseName: String?, _ diagnostics: inout Diagnostics
    ) {
        let rule = "TTLs must satisfy min_ttl ≤ default_ttl ≤ max_ttl"
        func value(_ key: String, _ ttl: Duration) -> String {
            guard let baseName, reader[key] == nil else { return seconds(ttl) }
            return "\(seconds(ttl)), from \(baseName)"
        }
        if settings.minTTL > settings.defaultTTL {
            let entry = reader["default_ttl"] ?? reader["min_ttl"]
            entry?.problem(
                "default_ttl (\(value("default_ttl", settings.defaultTTL))) is less than min_ttl "
                    + "(\(value("min_ttl", settings.minTTL))); \(rule)", &diagnostics)
        } else if settings.defaultTTL > settings.maxTTL {
            let entry = reader["max_ttl"] ?? reader["default_ttl"]
            entry?.problem(
                "max_ttl (\(value("max_ttl", settings.maxTTL))) is less than default_ttl "
                    + "(\(value("default_ttl", settings.defaultTTL))); \(rule)", &diagnostics)
        }
    }

    /// `none`, `all`, or a list of names, each valid and listed once.
    private static func decodeItems(
        _ entry: ConfigEntry, noun: String, isValid: (String) -> Bool, _ diagnostics: inout Diagnostics
    ) -> CacheKeyItems? {
        let expected = "none, all or a list of \(noun) names"
        if case .scalar(let scalar) = entry.node, !scalar.isNull {
            switch scalar.string.lowercased() {
            case "none": return CacheKeyItems.none
            case "all": return .all
            default:
                entry.problem(
                    "\(quoted(scalar.string)) is not supported; use none, all or a list of \(noun) names "
                        + "such as [\(scalar.string)]", &diagnostics)
                return nil
            }
        }
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return nil }
        guard !items.isEmpty else {
            entry.problem("an empty list selects no \(noun); write none", &diagnostics)
            return nil
        }
        return .allowList(decodeNames(items, noun: noun, isValid: isValid, caseSensitive: true, &diagnostics))
    }

    /// A list of header names (or `none`), lower-cased. `host` is always in
    /// the key and `cookie` has its own key, so both are refused here.
    private static func decodeHeaders(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> [String]? {
        if case .scalar(let scalar) = entry.node, scalar.string.lowercased() == "none" { return [] }
        let expected = "a list of header names such as [accept-language], or none"
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return nil }
        let names = decodeNames(items, noun: "header", isValid: isToken, caseSensitive: false, &diagnostics) { name in
            switch name.lowercased() {
            case "host": return "the host is always part of the cache key; remove host"
            case "cookie": return "key on cookies with cookies: (none, all or a list of names), not headers"
            default: return nil
            }
        }
        return names.map { $0.lowercased() }
    }

    /// Names from `items`, each valid, listed once, and without a `refusal`.
    private static func decodeNames(
        _ items: [ConfigEntry], noun: String, isValid: (String) -> Bool, caseSensitive: Bool,
        _ diagnostics: inout Diagnostics, refusal: (String) -> String? = { _ in nil }
    ) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        for item in items {
            guard let name = item.string(expected: "a \(noun) name", &diagnostics) else { continue }
            guard isValid(name) else {
                item.problem("\(quoted(name)) is not a valid \(noun) name", &diagnostics)
                continue
            }
            if let message = refusal(name) {
                item.problem(message, &diagnostics)
                continue
            }
            guard seen.insert(caseSensitive ? name : name.lowercased()).inserted else {
                item.problem("\(quoted(name)) is listed twice; remove one", &diagnostics)
                continue
            }
            names.append(name)
        }
        return names
    }
}

/// RFC 9110 token characters: header and cookie names.
func isToken(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// A query parameter name as it appears in URLs: no separators, no blanks or control characters.
private func isQueryName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { byte in byte > 0x20 && byte != 0x7F && !"&=#?".utf8.contains(byte) }
}

/// "86400" for messages about TTLs.
private func seconds(_ duration: Duration) -> String {
    "\(duration.components.seconds)"
}

extension ConfigEntry {
    /// A TTL: whole seconds, 0 to 100 years, written as a number (86400) or a
    /// duration in whole seconds ("1d", "10m", "0s").
    func ttl(_ diagnostics: inout Diagnostics) -> Duration? {
        let range = CachePolicySettings.ttlRange
        let expected = "a number of seconds such as 86400, or a duration such as \"1d\""
        guard let text = text(expected: expected, &diagnostics) else { return nil }
        if let negative = Int64(text), negative < 0 {
            problem("must be between 0 and \(range.upperBound) seconds (100 years), got \(negative)", &diagnostics)
            return nil
        }
        guard let milliseconds = parseMilliseconds(text) else {
            problem(
                "\(quoted(text)) is not a TTL; write a number of seconds (86400) or a duration in whole "
                    + "seconds (\"1d\", \"10m\")", &diagnostics)
            return nil
        }
        guard milliseconds % 1000 == 0 else {
            problem("\(quoted(text)): TTLs are whole seconds, like CloudFront's", &diagnostics)
            return nil
        }
        guard range.contains(milliseconds / 1000) else {
            problem(
                "must be between 0 and \(range.upperBound) seconds (100 years), got \(quoted(text))", &diagnostics)
            return nil
        }
        return .seconds(milliseconds / 1000)
    }
}
