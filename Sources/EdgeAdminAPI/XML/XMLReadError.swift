/// Why `StrictXMLReader` refused a document, and where.
public struct XMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not well-formed XML: bad or mismatched tags, stray text, bad references.
        case syntax
        /// Not UTF-8, or a character XML 1.0 does not allow.
        case encoding
        /// Markup this reader never processes: DOCTYPE, ENTITY and other `<!` declarations,
        /// processing instructions. Refused before anything in them is read.
        case forbidden
        /// The limits, one case each so a caller can answer "too large" for size.
        case depthLimit
        case elementLimit
        case sizeLimit
        case nameLengthLimit
    }

    public let kind: Kind
    /// A short sentence saying what is wrong (and, where there is one, what would be right).
    public let message: String
    /// Byte offset into the document (0-based) where the problem starts.
    public let offset: Int
    /// 1-based line and column of `offset`; the column counts characters, not bytes.
    public let line: Int
    public let column: Int

    public init(kind: Kind, message: String, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Builds the error, working out line and column by scanning up to `offset` (only
    /// ever done once, on failure).
    init(_ kind: Kind, _ message: String, at offset: Int, in bytes: [UInt8]) {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // not a UTF-8 continuation byte: a new character
                column += 1
            }
            index += 1
        }
        self.init(kind: kind, message: message, offset: offset, line: line, column: column)
    }

    public var description: String { "line \(line), column \(column) (byte \(offset)): \(message)" }
}
