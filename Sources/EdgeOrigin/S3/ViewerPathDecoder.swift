/// Turns the path of a viewer's request target into an object key, or says why it cannot be one.
///
/// The path is percent-decoded exactly once. Whatever could make S3 (or anything between) read
/// the key as something other than a plain object name inside the bucket is refused rather than
/// "cleaned": dot segments (raw or encoded), backslashes, NUL and other control bytes, invalid or
/// overlong UTF-8, encoded `?`/`#`, broken percent-encoding. A decoded `%` is an ordinary key
/// character: it is encoded again on the way out, so double encoding never decodes twice.
enum ViewerPathDecoder {
    enum Rejection: Error, Equatable, CustomStringConvertible {
        case notAbsolute
        case badPercentEncoding
        case forbiddenByte(UInt8)
        case invalidUTF8
        case dotSegment
        case encodedDelimiter(Character)
        case tooLong(Int)

        var description: String {
            switch self {
            case .notAbsolute: "the request target is not an absolute path"
            case .badPercentEncoding: "the path has a malformed percent-encoding"
            case .forbiddenByte(let byte): "the path contains a forbidden byte 0x\(String(byte, radix: 16, uppercase: true))"
            case .invalidUTF8: "the path is not valid UTF-8"
            case .dotSegment: "the path contains a \".\" or \"..\" segment"
            case .encodedDelimiter(let character): "the path contains an encoded \"\(character)\""
            case .tooLong(let length): "the object key is \(length) bytes; S3 keys are at most 1024"
            }
        }
    }

    /// S3's limit on key length, in UTF-8 bytes.
    static let maximumKeyLength = 1024

    /// The key named by `target` (an origin-form request target: path, optionally `?query`; the
    /// query is not part of the key and is never forwarded). The leading `/` is not part of the key.
    static func key(fromTarget target: String) throws(Rejection) -> String {
        var path = Substring(target).utf8[...]
        if let question = path.firstIndex(of: UInt8(ascii: "?")) { path = path[..<question] }
        guard path.first == UInt8(ascii: "/") else { throw .notAbsolute }
        path = path.dropFirst()

        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.count)
        var iterator = path.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .badPercentEncoding
                }
                let decoded = high << 4 | low
                switch decoded {
                case UInt8(ascii: "?"): throw .encodedDelimiter("?")
                case UInt8(ascii: "#"): throw .encodedDelimiter("#")
                default: bytes.append(decoded)
                }
            } else {
                bytes.append(byte)
            }
        }
        for byte in bytes where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "#") {
            throw .forbiddenByte(byte)
        }
        guard let key = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        where segment.elementsEqual([0x2E]) || segment.elementsEqual([0x2E, 0x2E]) {
            throw .dotSegment
        }
        return key
    }

    /// The value of one hex digit (either case); nil for anything else.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
