/// CloudFront's URL-safe base64, used for the `Signature` and `Policy` values of signed URLs and
/// cookies: standard base64 (RFC 4648 section 4) with `+` written as `-`, `=` as `_` and `/` as
/// `~`, so the value needs no percent-encoding in a query string or a cookie.
///
/// This is not RFC 4648's "base64url" (which uses `-` and `_` for `+` and `/` and drops the
/// padding): a decoder for that alphabet would read `_` as a digit and corrupt every signature.
public enum CloudFrontBase64 {
    /// The bytes `text` encodes, or nil when it holds a character outside CloudFront's alphabet,
    /// padding anywhere but at the end, or a length no encoder produces.
    ///
    /// Missing padding is accepted (some signers strip it); extra bits in the last character are
    /// ignored, as most decoders do. Neither lets two different byte strings verify: the decoded
    /// bytes are what the signature check sees.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        if let decoded = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            return decoded
        }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// `bytes` in CloudFront's alphabet, padded with `_`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(alphabet[Int(group >> 6 & 63)])
            output.append(alphabet[Int(group & 63)])
            index += 3
        }
        let remaining = input.count - index
        if remaining > 0 {
            var group = UInt32(input[index]) << 16
            if remaining == 2 { group |= UInt32(input[index + 1]) << 8 }
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(remaining == 2 ? alphabet[Int(group >> 6 & 63)] : padding)
            output.append(padding)
        }
        return String(decoding: output, as: UTF8.self)
    }

    static let padding = UInt8(ascii: "_")

    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~".utf8
    )

    /// Digit values by byte; 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var digits = buffer.count
        while digits > 0, buffer[digits - 1] == padding, buffer.count - digits < 2 {
            digits -= 1
        }
        let padded = buffer.count - digits
        // Padding, when present, completes the last group of four.
        if padded > 0, buffer.count % 4 != 0 { return nil }
        if digits % 4 == 1 { return nil }
        var valid = true
        let output = values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: digits * 3 / 4) { output, written in
                var accumulator: UInt32 = 0
                var bits: UInt32 = 0
                for index in 0..<digits {
                    let value = table[Int(buffer[index])]
                    if value == 0xFF {
                        valid = false
                        break
                    }
                    accumulator = accumulator << 6 | UInt32(value)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        output[written] = UInt8(truncatingIfNeeded: accumulator >> bits)
                        written += 1
                    }
                }
            }
        }
        return valid ? output : nil
    }
}
