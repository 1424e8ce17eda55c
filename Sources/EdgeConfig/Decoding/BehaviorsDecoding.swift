extension CacheBehavior {
    /// Keys of each `behaviors:` item.
    static let keys = ["path_pattern"] + settingKeys

    /// Decodes a distribution's `behaviors`, in order, each starting from the distribution's
    /// settings. A behavior that can never match, because an earlier one matches every path it
    /// would, is a warning at its pattern.
    static func decodeList(
        _ entry: ConfigEntry, inheriting base: CacheBehavior, hasTrustedKeys: Bool, _ diagnostics: inout Diagnostics
    ) -> [CacheBehavior] {
        let expected = "a list of behaviors, each with a path_pattern"
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return [] }
        var behaviors: [CacheBehavior] = []
        for item in items {
            guard let reader = MappingReader(item, known: keys, &diagnostics) else { continue }
            let patternEntry = reader.required("path_pattern", "which paths, e.g. \"/images/*\"", &diagnostics)
            let pattern = patternEntry?.pathPattern(&diagnostics)
            var behavior = decodeSettings(
                reader, inheriting: base, baseName: "the distribution's cache_policy", hasTrustedKeys: hasTrustedKeys,
                &diagnostics)
            guard let pattern, let patternEntry else { continue }
            if let earlier = behaviors.first(where: { pattern.isCovered(by: $0.pathPattern) }) {
                diagnostics.warning(patternEntry.line, "\(patternEntry.path): " + shadowing(pattern, by: earlier))
            }
            behavior.pathPattern = pattern
            behavior.line = item.keyLine
            behaviors.append(behavior)
        }
        return behaviors
    }

    /// Why `pattern` never matches, given the earlier behavior that takes all its paths.
    private static func shadowing(_ pattern: PathPattern, by earlier: CacheBehavior) -> String {
        if pattern == earlier.pathPattern {
            return "\(quoted(pattern.normalized)) is the same pattern as the behavior at line \(earlier.line) "
                + "(a leading \"/\" is optional), so this behavior never matches; remove one of them"
        }
        return "every path \(quoted(pattern.normalized)) matches is matched first by \(quoted(earlier.pathPattern.normalized)) "
            + "(the behavior at line \(earlier.line)), so this behavior never matches; move it above that one"
    }
}

extension ConfigEntry {
    /// A CloudFront path pattern (`PathPattern`'s rules).
    func pathPattern(_ diagnostics: inout Diagnostics) -> PathPattern? {
        guard let text = string(expected: "a path pattern such as \"/images/*\"", &diagnostics) else { return nil }
        do {
            return try PathPattern(text)
        } catch {
            problem("\(quoted(text)): \(error)", &diagnostics)
            return nil
        }
    }
}
