/// Standard padded base64 (RFC 4648 section 4), decoded from a JSON string's raw bytes in an
/// answer body: the one escape a JSON encoder may put in base64, `\/`, reads as `/`.
///
/// Decodes into a caller's buffer, so a data key goes from the answer body into `SecretBytes`
/// with no copy in between.
enum KMSBase64 {
    /// The number of bytes `raw` decodes to, or nil when it is not padded standard base64.
    static func decodedCount(_ raw: ArraySlice<UInt8>) -> Int? {
        decode(raw, into: nil)
    }

    /// Decodes `raw` into `output`, which must hold exactly `decodedCount(raw)` bytes; returns
    /// that count, or nil when `raw` is not base64 or `output` has another size.
    static func decode(_ raw: ArraySlice<UInt8>, into output: UnsafeMutableRawBufferPointer?) -> Int? {
        var characters = 0
        var padding = 0
        var accumulator: UInt32 = 0
        var written = 0
        var index = raw.startIndex
        while index < raw.endIndex {
            var byte = raw[index]
            index += 1
            if byte == UInt8(ascii: "\\") {
                guard index < raw.endIndex, raw[index] == UInt8(ascii: "/") else { return nil }
                byte = UInt8(ascii: "/")
                index += 1
            }
            characters += 1
            if byte == UInt8(ascii: "=") {
                padding += 1
                accumulator <<= 6
            } else {
                // A data character after padding is not base64.
                guard padding == 0, let value = sextet(byte) else { return nil }
                accumulator = accumulator << 6 | UInt32(value)
            }
            guard characters % 4 == 0 else { continue }
            let bytesInGroup = 3 - padding
            guard bytesInGroup >= 1 else { return nil }
            if let output {
                guard written + bytesInGroup <= output.count else { return nil }
                for shift in [16, 8, 0].prefix(bytesInGroup) {
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(shift))
                    written += 1
                }
            } else {
                written += bytesInGroup
            }
            accumulator = 0
            if padding > 0 && index < raw.endIndex { return nil }
        }
        guard characters % 4 == 0, output == nil || written == output!.count else { return nil }
        return written
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
