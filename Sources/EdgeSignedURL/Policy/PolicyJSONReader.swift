/// A JSON value as `PolicyJSONReader` returns it. Objects keep their members in document order,
/// so the policy reader can refuse duplicate keys instead of silently taking one of them.
enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's text, exactly as written (the policy needs only integers; it checks them).
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let left), .object(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let left), .array(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right
        case (.bool(let left), .bool(let right)): return left == right
        case (.null, .null): return true
        default: return false
        }
    }
}

/// Why a policy cannot be read; the text goes into `Denial.malformed`.
struct PolicyError: Error, Sendable, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A strict RFC 8259 reader for custom policies, which arrive from viewers: every policy is
/// parsed before its signature is checked, so this code sees attacker-chosen bytes.
///
/// Limits keep the work per request small and bounded: at most `maximumBytes` of input and
/// `maximumDepth` nested containers (a policy needs four). The input must be valid UTF-8 with no
/// byte-order mark; strings may not hold raw control characters; lone surrogate escapes are
/// refused; nothing may follow the value but whitespace.
struct PolicyJSONReader {
    static let maximumBytes = 8192
    static let maximumDepth = 8

    private let bytes: [UInt8]
    private var index = 0

    static func parse(_ bytes: [UInt8]) throws(PolicyError) -> JSONValue {
        guard bytes.count <= maximumBytes else {
            throw PolicyError("policy is \(bytes.count) bytes, more than the \(maximumBytes) accepted")
        }
        var reader = PolicyJSONReader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.error("unexpected text after the policy") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func error(_ what: String) -> PolicyError {
        PolicyError("policy JSON: \(what) at byte \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func readValue(depth: Int) throws(PolicyError) -> JSONValue {
        guard index < bytes.count else { throw error("the policy ends early") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw error("unexpected character")
        }
    }

    private mutating func readObject(depth: Int) throws(PolicyError) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        try readElements(depth: depth, close: UInt8(ascii: "}"), inside: "an object") { reader throws(PolicyError) in
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else {
                throw reader.error("expected a member name")
            }
            let key = try reader.readString()
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: ":") else {
                throw reader.error("expected ':'")
            }
            reader.index += 1
            reader.skipWhitespace()
            members.append((key, try reader.readValue(depth: depth)))
        }
        return .object(members)
    }

    private mutating func readArray(depth: Int) throws(PolicyError) -> JSONValue {
        var elements: [JSONValue] = []
        try readElements(depth: depth, close: UInt8(ascii: "]"), inside: "an array") { reader throws(PolicyError) in
            elements.append(try reader.readValue(depth: depth))
        }
        return .array(elements)
    }

    /// From the opening bracket: nothing or `element (, element)*`, then `close`.
    private mutating func readElements(
        depth: Int, close: UInt8, inside container: String, _ element: (inout PolicyJSONReader) throws(PolicyError) -> Void
    ) throws(PolicyError) {
        guard depth <= PolicyJSONReader.maximumDepth else { throw error("nesting deeper than \(PolicyJSONReader.maximumDepth)") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw error("the policy ends inside \(container)") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == close else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
            index += 1
            return
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(PolicyError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            index + count <= bytes.count && bytes[index..<(index + count)].elementsEqual(expected)
        }
        guard matches else { throw error("unexpected character") }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    private mutating func readNumber() throws(PolicyError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("malformed number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("malformed number") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("malformed number") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { ASCII.decimalValue(byte) != nil }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private mutating func readString() throws(PolicyError) -> String {
        index += 1
        var scalars: [UInt8] = []
        var runStart = index
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scalars.append(contentsOf: bytes[runStart..<index])
                index += 1
                break
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                scalars.append(contentsOf: bytes[runStart..<index])
                try readEscape(into: &scalars)
                runStart = index
                continue
            }
            index += 1
        }
        guard let text = String(validating: scalars, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return text
    }

    private mutating func readEscape(into output: inout [UInt8]) throws(PolicyError) {
        index += 1
        guard index < bytes.count else { throw error("unterminated escape") }
        let escaped = bytes[index]
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHexQuad())
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate escape")
                }
                index += 2
                let low = UInt32(try readHexQuad())
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid escape") }
            output.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw error("invalid escape")
        }
    }

    private mutating func readHexQuad() throws(PolicyError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = ASCII.hexValue(bytes[index]) else { throw error("invalid \\u escape") }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }
}
