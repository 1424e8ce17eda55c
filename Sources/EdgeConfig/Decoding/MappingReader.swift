import Yams

/// The keys of one YAML mapping (a section like `tls:` or a list item), checked
/// against the keys that section knows. Unknown keys are errors, never ignored:
/// a typo such as `min_verison` would otherwise silently keep the default.
///
/// Adding a key to a section is two lines: add it to the section's `known` list
/// and read it with `reader["new_key"]`.
struct MappingReader {
    /// Path of the mapping itself (`""` at top level, `tls`, `distributions[0]`).
    let path: String
    /// Line to report missing keys at: the line of the key that owns the mapping.
    let line: Int
    private let entries: [String: ConfigEntry]

    /// Reads `entry` as a mapping, reporting a type error if it is not one, and
    /// an "unknown key" error (with a did-you-mean) for each key not in `known`.
    init?(_ entry: ConfigEntry, known: [String], _ diagnostics: inout Diagnostics) {
        guard case .mapping(let mapping) = entry.node else {
            entry.typeMismatch(expected: "a mapping with keys \(known.joined(separator: ", "))", &diagnostics)
            return nil
        }
        self.init(mapping, path: entry.path, line: entry.keyLine, known: known, &diagnostics)
    }

    init(_ mapping: Node.Mapping, path: String, line: Int, known: [String], _ diagnostics: inout Diagnostics) {
        self.path = path
        self.line = line
        var entries: [String: ConfigEntry] = [:]
        let place = path.isEmpty ? "at top level" : "in \(path)"
        for (keyNode, value) in mapping {
            let keyLine = keyNode.mark?.line ?? line
            guard case .scalar(let key) = keyNode, !key.isNull else {
                diagnostics.error(keyLine, "keys must be plain names, got \(keyNode.kindDescription) \(place)")
                continue
            }
            guard known.contains(key.string) else {
                var message = "unknown key \(quoted(key.string)) \(place)"
                if let suggestion = closestKey(to: key.string, in: known) {
                    message += "; did you mean \(quoted(suggestion))?"
                } else {
                    message += "; allowed keys: \(known.joined(separator: ", "))"
                }
                diagnostics.error(keyLine, message)
                continue
            }
            let childPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            entries[key.string] = ConfigEntry(path: childPath, keyLine: keyLine, node: value)
        }
        self.entries = entries
    }

    /// The value of an optional key, or nil when it is absent.
    subscript(key: String) -> ConfigEntry? {
        entries[key]
    }

    /// The value of a required key; when absent, reports an error at the
    /// mapping's own line saying what the key is for.
    func required(_ key: String, _ purpose: String, _ diagnostics: inout Diagnostics) -> ConfigEntry? {
        if let entry = entries[key] { return entry }
        let place = path.isEmpty ? "" : "\(path): "
        diagnostics.error(line, "\(place)missing required key \(quoted(key)) (\(purpose))")
        return nil
    }
}
