/// The character classes of XML 1.0 (fifth edition) and a strict UTF-8 decoder.
///
/// The reader validates the whole document with `firstInvalidCharacter(in:)` before it
/// looks at any markup, so the rest of the reader can treat every byte >= 0x80 as part
/// of a valid, allowed scalar and only ever branch on ASCII.
enum XMLCharacters {
    /// `S` (§2.3): space, tab, carriage return, line feed.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `Char` (§2.2): what may appear in a document at all, literally or as a character
    /// reference. Excludes NUL and the other C0 controls but tab, LF and CR, the
    /// surrogates, and U+FFFE/U+FFFF.
    static func isChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: return true
        default: return false
        }
    }

    /// `NameStartChar` (§2.3).
    static func isNameStart(_ value: UInt32) -> Bool {
        switch value {
        case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A,  // ":" A-Z "_" a-z
            0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF,
            0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF,
            0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x1_0000...0xE_FFFF:
            return true
        default: return false
        }
    }

    /// `NameChar` (§2.3).
    static func isNameChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: return true  // "-" "." 0-9
        default: return isNameStart(value)
        }
    }

    /// Decodes the scalar starting at `index`: its value and byte length, or nil for
    /// anything that is not well-formed UTF-8 (overlong forms, surrogates, values past
    /// U+10FFFF, truncated or stray continuation bytes), following Unicode's table 3-7.
    static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (value: UInt32, length: Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        let secondRange: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: length = 2; secondRange = 0x80...0xBF
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; secondRange = 0x80...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4; secondRange = 0x80...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    /// The offset of the first byte that is not valid UTF-8 or not an XML `Char`, with
    /// what is wrong with it; nil when the whole buffer is acceptable.
    static func firstInvalidCharacter(in bytes: [UInt8]) -> (offset: Int, message: String)? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                index += 1
                continue
            }
            guard let (value, length) = decodeScalar(bytes, at: index) else {
                return (index, "invalid UTF-8 (byte 0x\(hex(byte, width: 2))); the body must be UTF-8")
            }
            guard isChar(value) else {
                return (index, "character U+\(hex(value, width: 4)) is not allowed in XML 1.0")
            }
            index += length
        }
        return nil
    }

    /// Upper-case hex, zero-padded to `width` digits ("0A", "FFFE").
    static func hex(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
