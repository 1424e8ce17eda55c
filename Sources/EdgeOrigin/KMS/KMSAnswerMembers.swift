/// The string members of a KMS JSON answer's top-level object, located in the body without
/// copying them: each is the byte range between its quotes, escapes unresolved.
///
/// Written for answers that carry a data key in `Plaintext`: the key's base64 never becomes a
/// `String` (which could not be wiped); `KMSBase64` decodes it from the body straight into
/// `SecretBytes`. Other member names and values are read as text only on request.
///
/// Strict (RFC 8259) where it matters: one object, no duplicate names, no raw control characters
/// in strings, nothing but whitespace after it. Values that are not strings (numbers, `null`,
/// nested objects) are checked and skipped, to a depth of `maximumDepth`.
struct KMSAnswerMembers {
    static let maximumDepth = 16

    /// Member name → range of its string value in the body.
    private(set) var strings: [String: Range<Int>] = [:]

    struct Malformed: Error {
        var reason: String
    }

    init(parsing body: [UInt8]) throws(Malformed) {
        var scanner = Scanner(bytes: body)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { throw scanner.failure("expected a JSON object") }
        scanner.skipWhitespace()
        var names: Set<String> = []
        if !scanner.take(UInt8(ascii: "}")) {
            repeat {
                scanner.skipWhitespace()
                let nameRange = try scanner.string()
                let name = Self.unescaped(body[nameRange])
                guard names.insert(name).inserted else { throw scanner.failure("member \(name) appears twice") }
                scanner.skipWhitespace()
                guard scanner.take(UInt8(ascii: ":")) else { throw scanner.failure("expected ':'") }
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: "\"") {
                    strings[name] = try scanner.string()
                } else {
                    try scanner.skipValue(depth: 1)
                }
                scanner.skipWhitespace()
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "}")) else { throw scanner.failure("expected ',' or '}'") }
        }
        scanner.skipWhitespace()
        guard scanner.index == body.count else { throw scanner.failure("text after the object") }
    }

    /// The member's value as text, escapes resolved; nil when absent or not a string. Only for
    /// members that are not secret.
    func text(_ name: String, in body: [UInt8]) -> String? {
        strings[name].map { Self.unescaped(body[$0]) }
    }

    /// A JSON string's content with its escapes resolved (a lone surrogate becomes U+FFFD).
    static func unescaped(_ raw: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        var units: [UInt16] = []
        var index = raw.startIndex
        func flushUnits() {
            guard !units.isEmpty else { return }
            output += Array(String(decoding: units, as: UTF16.self).utf8)
            units.removeAll()
        }
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.endIndex else {
                flushUnits()
                output.append(byte)
                index += 1
                continue
            }
            let escape = raw[index + 1]
            index += 2
            if escape == UInt8(ascii: "u"), index + 4 <= raw.endIndex,
               let unit = UInt16(String(decoding: raw[index..<index + 4], as: UTF8.self), radix: 16) {
                units.append(unit)
                index += 4
                continue
            }
            flushUnits()
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            default: output.append(escape)  // " \ /
            }
        }
        flushUnits()
        return String(decoding: output, as: UTF8.self)
    }
}

/// A cursor over the body; each step checks what it consumes.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func failure(_ what: String) -> KMSAnswerMembers.Malformed {
        KMSAnswerMembers.Malformed(reason: "\(what) at byte \(index)")
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// A string starting at the opening quote; returns the range between the quotes.
    mutating func string() throws(KMSAnswerMembers.Malformed) -> Range<Int> {
        guard take(UInt8(ascii: "\"")) else { throw failure("expected a string") }
        let start = index
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return start..<(index - 1)
            case UInt8(ascii: "\\"):
                index += 1
                guard let escape = peek, "\"\\/bfnrtu".utf8.contains(escape) else { throw failure("bad escape") }
                index += 1
                if escape == UInt8(ascii: "u") {
                    guard index + 4 <= bytes.count, bytes[index..<index + 4].allSatisfy(isHexDigit) else {
                        throw failure("bad \\u escape")
                    }
                    index += 4
                }
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    /// Any value that is not read: checked for shape, then passed over.
    mutating func skipValue(depth: Int) throws(KMSAnswerMembers.Malformed) {
        guard depth <= KMSAnswerMembers.maximumDepth else { throw failure("nesting deeper than \(KMSAnswerMembers.maximumDepth)") }
        guard let byte = peek else { throw failure("the answer ends early") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if take(close) { return }
            repeat {
                skipWhitespace()
                if close == UInt8(ascii: "}") {
                    _ = try string()
                    skipWhitespace()
                    guard take(UInt8(ascii: ":")) else { throw failure("expected ':'") }
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
            } while take(UInt8(ascii: ","))
            guard take(close) else { throw failure("unclosed \(close == UInt8(ascii: "}") ? "object" : "array")") }
        default:
            let start = index
            while let next = peek, "+-.0123456789eEtruefalsn".utf8.contains(next) { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            guard ["true", "false", "null"].contains(word) || Double(word) != nil else {
                index = start
                throw failure("expected a JSON value")
            }
        }
    }

    private func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
