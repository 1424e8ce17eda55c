/// Collects diagnostics while a configuration is decoded. Decoders report a
/// problem and carry on, so one run finds every mistake in the file.
struct Diagnostics {
    let file: String
    private(set) var items: [ConfigDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func error(_ line: Int, _ message: String) {
        items.append(ConfigDiagnostic(file: file, line: line, severity: .error, message: message))
    }

    mutating func warning(_ line: Int, _ message: String) {
        items.append(ConfigDiagnostic(file: file, line: line, severity: .warning, message: message))
    }

    var hasErrors: Bool {
        items.contains { $0.severity == .error }
    }

    /// Diagnostics in line order; problems on the same line keep the order found.
    var sorted: [ConfigDiagnostic] {
        items.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    var warnings: [ConfigDiagnostic] {
        sorted.filter { $0.severity == .warning }
    }
}

/// A value that failed to parse, with the reason and the fix, worded to follow
/// "KEY.PATH: " in a diagnostic.
struct ValueProblem: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// `"text"` with quotes and control characters escaped, for quoting values in messages.
func quoted(_ text: some StringProtocol) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// "a", "a or b", "a, b or c": the allowed values, for "use ..." hints.
func alternatives(_ values: [String]) -> String {
    guard let last = values.last else { return "" }
    if values.count == 1 { return last }
    return values.dropLast().joined(separator: ", ") + " or " + last
}

extension Diagnostics {
    /// Number of errors so far. Decoders compare it before and after reading a
    /// section to know whether the section is usable.
    var errorCount: Int {
        items.reduce(0) { $0 + ($1.severity == .error ? 1 : 0) }
    }
}
