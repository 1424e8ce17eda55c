import Yams

/// A YAML value together with where it came from, so every diagnostic can name
/// the key path and the line.
struct ConfigEntry {
    /// Key path shown in messages, e.g. `tls.min_version` or `distributions[0].id`.
    let path: String
    /// Line of the key (or of the list item) that introduced this value.
    let keyLine: Int
    let node: Node

    /// Line to report a problem with the value at: a scalar's own line (it may
    /// sit below its key), the key's line for lists and mappings.
    var line: Int {
        if case .scalar(let scalar) = node, let mark = scalar.mark { return mark.line }
        return keyLine
    }

    /// Reports `PATH: expected WHAT, got KIND` at this entry's line.
    func typeMismatch(expected: String, _ diagnostics: inout Diagnostics) {
        diagnostics.error(line, "\(path): expected \(expected), got \(node.kindDescription)")
    }

    /// Reports `PATH: message` at this entry's line.
    func problem(_ message: String, _ diagnostics: inout Diagnostics) {
        diagnostics.error(line, "\(path): \(message)")
    }

    /// The value under `key` when this is a mapping, without any checks: for
    /// cross-section checks on a section that already decoded cleanly.
    func child(_ key: String) -> ConfigEntry? {
        guard case .mapping(let mapping) = node else { return nil }
        for (keyNode, value) in mapping where keyNode.scalar?.string == key {
            return ConfigEntry(path: "\(path).\(key)", keyLine: keyNode.mark?.line ?? keyLine, node: value)
        }
        return nil
    }

    /// The items of a list, each with its own path (`PATH[i]`) and line. A single
    /// scalar counts as a one-item list when `allowSingle` is true (for keys that
    /// accept "a value or a list of them").
    func items(expected: String, allowSingle: Bool, _ diagnostics: inout Diagnostics) -> [ConfigEntry]? {
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { index, item in
                ConfigEntry(path: "\(path)[\(index)]", keyLine: item.mark?.line ?? keyLine, node: item)
            }
        case .scalar(let scalar) where allowSingle && !scalar.isNull:
            return [self]
        default:
            typeMismatch(expected: expected, &diagnostics)
            return nil
        }
    }
}

extension Node.Scalar {
    /// A plain `~`, `null` or nothing at all, as in `key:` with no value.
    var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(string)
    }
}

extension Node {
    /// What this value is, for "expected X, got Y" messages.
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.isNull { return "an empty value" }
            if scalar.style == .plain {
                if parseBool(scalar.string) != nil { return "the boolean \(scalar.string)" }
                if Int(scalar.string) != nil || Double(scalar.string) != nil {
                    return "the number \(scalar.string)"
                }
            }
            return "the string \(quoted(scalar.string))"
        }
    }
}

/// YAML 1.1 booleans (true/false, yes/no, on/off in any case): nginx operators
/// write `on`/`off`, YAML users write `true`/`false`; both mean the obvious thing.
func parseBool(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default: return nil
    }
}
