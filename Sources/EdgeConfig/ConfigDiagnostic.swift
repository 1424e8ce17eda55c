/// One problem found in a configuration file, printed the way `nginx -t` prints
/// its findings: `FILE:LINE: message`, so editors and terminals can jump to it.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    /// Errors make the configuration unusable; warnings are printed but the
    /// configuration still loads (like nginx's `[warn]`).
    public enum Severity: Sendable {
        case error
        case warning
    }

    /// The file name exactly as the operator gave it (not made absolute), so the
    /// message reads like the command line they typed.
    public var file: String
    /// 1-based line of the offending key or value. 0 means the problem concerns
    /// the file as a whole (for instance it cannot be read) and no line is printed.
    public var line: Int
    public var severity: Severity
    /// Names the key path, the bad value and what to write instead.
    public var message: String

    public init(file: String, line: Int, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.severity = severity
        self.message = message
    }

    /// `FILE:LINE: message` for errors, `FILE:LINE: warning: message` for warnings
    /// (`FILE: message` when `line` is 0).
    public var description: String {
        let location = line > 0 ? "\(file):\(line):" : "\(file):"
        switch severity {
        case .error: return "\(location) \(message)"
        case .warning: return "\(location) warning: \(message)"
        }
    }
}

/// Thrown when a configuration cannot be used. It carries every problem found in
/// one pass (not just the first), so an operator fixes them all in one edit.
public struct ConfigLoadError: Error, Sendable, CustomStringConvertible {
    /// Every error found, plus the warnings found alongside them, in line order.
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Only the diagnostics with severity `.error`.
    public var errors: [ConfigDiagnostic] {
        diagnostics.filter { $0.severity == .error }
    }

    /// One diagnostic per line, ready to print to standard error.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
