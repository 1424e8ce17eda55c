/// Why an invalidation path was refused. Each message quotes the path (control characters
/// written as `\u{…}`, a very long path cut short) and says what to write instead.
public enum InvalidationPathError: Error, Equatable, CustomStringConvertible {
    case empty
    case missingLeadingSlash(path: String)
    /// `length` in Unicode scalars.
    case tooLong(path: String, length: Int)
    /// A `*` that is not the last character; `position` counts Unicode scalars from 1.
    case misplacedWildcard(path: String, position: Int)
    /// A character in U+0000–U+001F or U+007F; `position` counts Unicode scalars from 1.
    case controlCharacter(path: String, position: Int, scalar: UInt32)

    public var description: String {
        switch self {
        case .empty:
            "An invalidation path is empty; write the path of the objects to invalidate, starting with \"/\" "
                + "(for example \"/images/*\")."
        case .missingLeadingSlash(let path):
            "Invalidation path \(Self.quoted(path)) does not start with \"/\"; write \(Self.quoted("/" + path))."
        case .tooLong(let path, let length):
            "Invalidation path \(Self.quoted(path)) is \(length) characters long; at most "
                + "\(InvalidationPattern.maximumLength) are allowed (a shorter path ending in * covers it)."
        case .misplacedWildcard(let path, let position):
            "Invalidation path \(Self.quoted(path)) has a * at position \(position); a wildcard is allowed only as "
                + "the last character."
        case .controlCharacter(let path, let position, let scalar):
            "Invalidation path \(Self.quoted(path)) has the control character \(Self.hex(scalar, prefix: "U+")) at "
                + "position \(position); write it percent-encoded (\(Self.hex(scalar, prefix: "%")))."
        }
    }

    /// The path in quotes, printable: control characters as `\u{7}`, quotes and backslashes
    /// escaped, anything past 60 characters replaced by `…`.
    private static func quoted(_ path: String) -> String {
        var text = "\""
        for (index, scalar) in path.unicodeScalars.enumerated() {
            guard index < 60 else {
                text += "…"
                break
            }
            switch scalar.value {
            case 0x00...0x1F, 0x7F: text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            case 0x22, 0x5C: text += "\\" + String(scalar)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    private static func hex(_ value: UInt32, prefix: String) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return prefix + String(repeating: "0", count: max(0, (prefix == "U+" ? 4 : 2) - digits.count)) + digits
    }
}
