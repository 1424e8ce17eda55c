import Yams

/// Typed readers for scalar values. Each reports its own diagnostic and returns
/// nil when the value is unusable, so callers just skip the field.
extension ConfigEntry {
    /// The scalar's text; nil (after an error) for lists, mappings and empty values.
    func text(expected: String, _ diagnostics: inout Diagnostics) -> String? {
        guard case .scalar(let scalar) = node, !scalar.isNull else {
            typeMismatch(expected: expected, &diagnostics)
            return nil
        }
        return scalar.string
    }

    /// A non-empty string.
    func string(expected: String = "a string", _ diagnostics: inout Diagnostics) -> String? {
        guard let text = text(expected: expected, &diagnostics) else { return nil }
        guard !text.isEmpty else {
            problem("must not be empty; write \(expected) or remove the key", &diagnostics)
            return nil
        }
        return text
    }

    func bool(_ diagnostics: inout Diagnostics) -> Bool? {
        guard let text = text(expected: "true or false", &diagnostics) else { return nil }
        guard let value = parseBool(text) else {
            typeMismatch(expected: "true or false", &diagnostics)
            return nil
        }
        return value
    }

    /// A whole number within `range`.
    func integer(in range: ClosedRange<Int>, _ diagnostics: inout Diagnostics) -> Int? {
        guard let text = text(expected: "a whole number", &diagnostics) else { return nil }
        guard let value = Int(text) else {
            typeMismatch(expected: "a whole number", &diagnostics)
            return nil
        }
        guard range.contains(value) else {
            problem("must be \(describe(range)), got \(value)", &diagnostics)
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values, matched case-insensitively
    /// (`info` and `INFO` are the same log level).
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ diagnostics: inout Diagnostics) -> T?
    where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue)
        guard let text = text(expected: alternatives(allowed), &diagnostics) else { return nil }
        if let match = T.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) {
            return match
        }
        problem("\(quoted(text)) is not supported; use \(alternatives(allowed))", &diagnostics)
        return nil
    }

    /// A duration: "10s", "500ms", "2m", "1h", "1d", combinations like "1m30s",
    /// or a bare number of seconds. Must be greater than zero.
    func duration(_ diagnostics: inout Diagnostics) -> Duration? {
        let expected = "a duration such as \"10s\", \"500ms\" or \"2m\""
        guard let text = text(expected: expected, &diagnostics) else { return nil }
        guard let milliseconds = parseMilliseconds(text) else {
            problem(
                "\(quoted(text)) is not a duration; write a number with a unit ms, s, m, h or d "
                    + "(e.g. \"10s\", \"500ms\", \"2m\") or a bare number of seconds",
                &diagnostics)
            return nil
        }
        guard milliseconds > 0 else {
            problem("must be greater than 0, got \(quoted(text))", &diagnostics)
            return nil
        }
        return .milliseconds(milliseconds)
    }

    /// A size in bytes: "16KiB", "1MiB", "16k", "2g" or a bare number of bytes.
    /// Units are powers of 1024, like nginx's k and m.
    func size(in range: ClosedRange<Int>, _ diagnostics: inout Diagnostics) -> Int? {
        let expected = "a size such as \"16KiB\" or 16384"
        guard let text = text(expected: expected, &diagnostics) else { return nil }
        guard let bytes = parseBytes(text) else {
            problem(
                "\(quoted(text)) is not a size; write a number of bytes or a number with a unit "
                    + "k/KiB, m/MiB or g/GiB (powers of 1024, e.g. \"16KiB\", \"1MiB\", \"16k\")",
                &diagnostics)
            return nil
        }
        guard range.contains(bytes) else {
            problem("must be \(describe(range)) bytes, got \(quoted(text)) (\(bytes) bytes)", &diagnostics)
            return nil
        }
        return bytes
    }
}

/// "at least 1", "between 0 and 65535".
private func describe(_ range: ClosedRange<Int>) -> String {
    range.upperBound == Int.max
        ? "at least \(range.lowerBound)"
        : "between \(range.lowerBound) and \(range.upperBound)"
}
