/// The profiles of one AWS shared file: `~/.aws/credentials` (sections `[name]`) or
/// `~/.aws/config` (sections `[profile name]` and `[default]`; `[sso-session …]`, `[services …]`
/// and bare names are not profiles there and are skipped, as the AWS CLI does).
///
/// Keys are lower-cased; `#` and `;` start comments at the beginning of a line or after
/// whitespace; indented lines under a property with an empty value are its sub-properties
/// (`s3 =\n  max_concurrent_requests = 10`) and are ignored; other indented lines are read as
/// properties, which is kinder than the CLI's continuation lines and never matters for keys. A repeated section merges into the
/// first, later keys winning.
struct AWSProfileFile: Equatable {
    enum Kind {
        case credentials
        case config
    }

    var profiles: [String: [String: String]] = [:]

    init(parsing text: String, kind: Kind) {
        var current: String?
        var inSubProperties = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = Self.withoutComment(rawLine)
            guard !line.isEmpty else { continue }
            if rawLine.first?.isWhitespace == true, inSubProperties { continue }
            if line.hasPrefix("[") {
                current = line.hasSuffix("]") ? Self.profileName(section: line.dropFirst().dropLast(), kind: kind) : nil
                if let current, profiles[current] == nil { profiles[current] = [:] }
                inSubProperties = false
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = CredentialsText.trimmed(line[..<equals]).lowercased()
            guard !key.isEmpty else { continue }
            let value = CredentialsText.trimmed(line[line.index(after: equals)...])
            profiles[current, default: [:]][key] = value
            inSubProperties = value.isEmpty
        }
    }

    private static func profileName(section: Substring, kind: Kind) -> String? {
        let name = CredentialsText.trimmed(section)
        switch kind {
        case .credentials:
            return name.isEmpty ? nil : name
        case .config:
            if name == "default" { return name }
            guard name.hasPrefix("profile"), name.dropFirst("profile".count).first?.isWhitespace == true else { return nil }
            let profile = CredentialsText.trimmed(name.dropFirst("profile".count))
            return profile.isEmpty ? nil : profile
        }
    }

    /// The line trimmed, cut at a `#`/`;` that starts it or follows whitespace.
    private static func withoutComment(_ line: Substring) -> String {
        var previousIsSpace = true
        for index in line.indices {
            let character = line[index]
            if (character == "#" || character == ";") && previousIsSpace {
                return CredentialsText.trimmed(line[..<index])
            }
            previousIsSpace = character.isWhitespace
        }
        return CredentialsText.trimmed(line)
    }
}
