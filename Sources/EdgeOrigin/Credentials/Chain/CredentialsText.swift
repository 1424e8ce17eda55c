/// Text helpers for files and server answers.
enum CredentialsText {
    static let mask = "****"
    static let excerptLimit = 300

    /// `text` made safe to put in an error: secrets that were sent (tokens) are masked, line
    /// breaks flattened, length capped. Bodies of successful answers are never quoted at all,
    /// since they hold credentials.
    static func excerpt(_ text: String, masking secrets: [String]) -> String {
        var safe = text
        for secret in secrets where secret.count >= 4 {
            safe = safe.replacing(secret, with: mask)
        }
        safe = trimmed(String(safe.map { $0.isNewline ? " " : $0 }))
        return safe.count > excerptLimit ? String(safe.prefix(excerptLimit)) + "…" : safe
    }

    /// Without whitespace (spaces, tabs, line breaks) at either end.
    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// Whether a value read from a file can go into an HTTP header.
    static func isHeaderSafe(_ value: String) -> Bool {
        !value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }
}
