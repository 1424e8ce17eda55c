/// A small, strict XML 1.0 reader for request bodies that come from the network.
///
/// Safe by construction rather than by configuration: there is no DTD processing to turn
/// off, because `<!DOCTYPE`, `<!ENTITY` and every other `<!` declaration are refused the
/// moment they are seen, as are processing instructions (other than the leading XML
/// declaration) and references to any entity but the five predefined ones. Nothing is
/// ever expanded beyond a single character, so output is never larger than input.
///
/// One pass over the bytes after one UTF-8 check, an explicit stack instead of recursion
/// (the depth limit is checked before an element is pushed), and limits on depth, element
/// count, size and name length: a hostile document costs O(its length) and stops at the
/// first limit it crosses.
public struct StrictXMLReader: Sendable {
    /// Deepest element nesting accepted; the root is depth 1. Reading never recurses, but
    /// the resulting tree's comparison and destruction do, once per level: keep this in
    /// the tens or hundreds.
    public let maxDepth: Int
    /// Most elements accepted in one document.
    public let maxElements: Int
    /// Largest document accepted, in bytes. Callers should also cap the body they read.
    public let maxBytes: Int
    /// Longest element, attribute or entity name accepted, in bytes.
    public let maxNameLength: Int

    public init(maxDepth: Int = 16, maxElements: Int = 10_000, maxBytes: Int = 1 << 20, maxNameLength: Int = 256) {
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxBytes = maxBytes
        self.maxNameLength = maxNameLength
    }

    /// Reads a UTF-8 document (an optional BOM and `<?xml … ?>` declaration, one root
    /// element, comments and whitespace around it) into its root element.
    public func parse(_ bytes: [UInt8]) throws(XMLReadError) -> XMLElementNode {
        guard bytes.count <= maxBytes else {
            throw XMLReadError(kind: .sizeLimit,
                               message: "the document is \(bytes.count) bytes; at most \(maxBytes) are accepted",
                               offset: 0, line: 1, column: 1)
        }
        if let (offset, message) = XMLCharacters.firstInvalidCharacter(in: bytes) {
            throw XMLReadError(.encoding, message, at: offset, in: bytes)
        }
        var scanner = XMLScanner(bytes: bytes, reader: self)
        return try scanner.document()
    }

    /// Reads any byte sequence (a `ByteBuffer`'s readable bytes, a slice) by copying it once.
    public func parse(_ bytes: some Sequence<UInt8>) throws(XMLReadError) -> XMLElementNode {
        try parse(Array(bytes))
    }
}

/// The fixed strings the scanner looks for, spelled once.
private enum Markup {
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    static let declarationStart = Array("<?xml".utf8)
    static let commentStart = Array("<!--".utf8)
    static let cdataStart = Array("<![CDATA[".utf8)
    static let doctype = Array("<!DOCTYPE".utf8)
    static let entity = Array("<!ENTITY".utf8)
    static let declarationMarkup = Array("<!".utf8)
    static let processingInstruction = Array("<?".utf8)
    static let endTagStart = Array("</".utf8)
    static let emptyTagEnd = Array("/>".utf8)
    static let cdataEnd = Array("]]>".utf8)
    static let doubleHyphen = Array("--".utf8)
    static let declarationEnd = Array("?>".utf8)
}

/// The state of one `parse`: a cursor over validated bytes and the stack of open elements.
private struct XMLScanner {
    /// An element whose end tag has not been read yet.
    struct OpenElement {
        let name: [UInt8]
        let attributes: [XMLElementNode.Attribute]
        let offset: Int
        var children: [XMLElementNode] = []
        var text: [UInt8] = []
    }

    let bytes: [UInt8]
    let reader: StrictXMLReader
    var position = 0
    var open: [OpenElement] = []
    var root: XMLElementNode?
    var elementCount = 0

    init(bytes: [UInt8], reader: StrictXMLReader) {
        self.bytes = bytes
        self.reader = reader
    }

    // MARK: Document structure

    mutating func document() throws(XMLReadError) -> XMLElementNode {
        if starts(with: Markup.byteOrderMark) { position = 3 }
        if atDeclaration() { try declaration() }
        while position < bytes.count {
            if open.isEmpty {
                try outsideRoot()
            } else {
                try content()
            }
        }
        if let innermost = open.last {
            throw error(.syntax, "<\(string(innermost.name))> is never closed; the document ends inside it",
                        at: innermost.offset)
        }
        guard let root else { throw error(.syntax, "the document has no root element", at: position) }
        return root
    }

    /// Before and after the root: whitespace, comments, and the root's start tag.
    mutating func outsideRoot() throws(XMLReadError) {
        skipWhitespace()
        guard position < bytes.count else { return }
        let start = position
        guard bytes[position] == UInt8(ascii: "<") else {
            throw error(.syntax, root == nil ? "text before the root element" : "content after the root element",
                        at: start)
        }
        if try markupDeclaration() { return }
        if starts(with: Markup.endTagStart) { throw error(.syntax, "an end tag with no element open", at: start) }
        if root != nil { throw error(.syntax, "a second root element; a document has exactly one", at: start) }
        try startTag()
    }

    /// Inside an element: text, references, CDATA, comments, child elements, the end tag.
    mutating func content() throws(XMLReadError) {
        switch bytes[position] {
        case UInt8(ascii: "<"):
            if starts(with: Markup.cdataStart) {
                try cdata()
            } else if try markupDeclaration() {
                return
            } else if starts(with: Markup.endTagStart) {
                try endTag()
            } else {
                try startTag()
            }
        case UInt8(ascii: "&"):
            let scalar = try reference()
            open[open.count - 1].text.append(contentsOf: String(scalar).utf8)
        default:
            try text()
        }
    }

    /// Comments are skipped; every other `<!` or `<?` construct is refused. Returns false
    /// when the markup at `position` is none of these (a tag, or CDATA).
    mutating func markupDeclaration() throws(XMLReadError) -> Bool {
        let start = position
        if starts(with: Markup.commentStart) {
            try comment()
            return true
        }
        if starts(with: Markup.cdataStart) {
            guard !open.isEmpty else { throw error(.syntax, "a CDATA section outside the root element", at: start) }
            return false
        }
        if starts(with: Markup.doctype) {
            throw error(.forbidden, "DOCTYPE declarations are not accepted (no DTDs, no entity definitions)", at: start)
        }
        if starts(with: Markup.entity) {
            throw error(.forbidden, "ENTITY declarations are not accepted", at: start)
        }
        if starts(with: Markup.declarationMarkup) {
            throw error(.forbidden, "<! declarations are not accepted (only comments and CDATA sections)", at: start)
        }
        if starts(with: Markup.processingInstruction) {
            throw error(.forbidden, atDeclaration()
                ? "the XML declaration is only allowed at the very start of the document"
                : "processing instructions are not accepted", at: start)
        }
        return false
    }

    // MARK: Tags

    mutating func startTag() throws(XMLReadError) {
        let start = position
        position += 1  // "<"
        let name = try name(what: "element name")
        var attributes: [XMLElementNode.Attribute] = []
        var seen: Set<[UInt8]> = []
        while true {
            let hadWhitespace = skipWhitespace()
            guard position < bytes.count else {
                throw error(.syntax, "the document ends inside the start tag of <\(string(name))>", at: start)
            }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                try push(OpenElement(name: name, attributes: attributes, offset: start))
                return
            }
            if starts(with: Markup.emptyTagEnd) {
                position += 2
                try push(OpenElement(name: name, attributes: attributes, offset: start))
                close()
                return
            }
            guard hadWhitespace else {
                throw error(.syntax, "expected whitespace, '>' or '/>' in the start tag of <\(string(name))>",
                            at: position)
            }
            let attributeStart = position
            let attributeName = try self.name(what: "attribute name")
            guard seen.insert(attributeName).inserted else {
                throw error(.syntax, "attribute \(string(attributeName)) appears twice in <\(string(name))>",
                            at: attributeStart)
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw error(.syntax, "expected '=' after attribute \(string(attributeName))", at: position)
            }
            position += 1
            skipWhitespace()
            let value = try attributeValue()
            attributes.append(.init(name: string(attributeName), value: value))
        }
    }

    /// A quoted attribute value with references resolved and whitespace characters
    /// normalized to spaces (§3.3.3; a character reference is kept as written).
    mutating func attributeValue() throws(XMLReadError) -> String {
        let start = position
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'")
        else { throw error(.syntax, "an attribute value must be in single or double quotes", at: position) }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case quote:
                position += 1
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "<"):
                throw error(.syntax, "'<' is not allowed in an attribute value; write &lt;", at: position)
            case UInt8(ascii: "&"):
                value.append(contentsOf: String(try reference()).utf8)
            case 0x0D:
                value.append(0x20)
                position += 1
                if position < bytes.count, bytes[position] == 0x0A { position += 1 }
            case 0x09, 0x0A:
                value.append(0x20)
                position += 1
            default:
                value.append(byte)
                position += 1
            }
        }
        throw error(.syntax, "the document ends inside an attribute value", at: start)
    }

    mutating func endTag() throws(XMLReadError) {
        let start = position
        position += 2  // "</"
        let name = try name(what: "element name")
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else {
            throw error(.syntax, "expected '>' to end </\(string(name))>", at: position)
        }
        position += 1
        guard let innermost = open.last else { throw error(.syntax, "an end tag with no element open", at: start) }
        guard innermost.name == name else {
            throw error(.syntax, "</\(string(name))> does not match <\(string(innermost.name))>", at: start)
        }
        close()
    }

    mutating func push(_ element: OpenElement) throws(XMLReadError) {
        elementCount += 1
        guard elementCount <= reader.maxElements else {
            throw error(.elementLimit, "more than \(reader.maxElements) elements", at: element.offset)
        }
        guard open.count < reader.maxDepth else {
            throw error(.depthLimit, "elements nested deeper than \(reader.maxDepth) levels", at: element.offset)
        }
        open.append(element)
    }

    /// Pops the innermost element into its parent, or makes it the root.
    mutating func close() {
        let element = open.removeLast()
        let node = XMLElementNode(name: string(element.name), attributes: element.attributes,
                                  children: element.children, text: String(decoding: element.text, as: UTF8.self),
                                  offset: element.offset)
        if open.isEmpty {
            root = node
        } else {
            open[open.count - 1].children.append(node)
        }
    }

    /// A `Name` (§2.3), within the length limit.
    mutating func name(what: String) throws(XMLReadError) -> [UInt8] {
        let start = position
        var first = true
        while position < bytes.count {
            // The document is valid UTF-8 (checked before scanning), so this always decodes.
            guard let (value, length) = XMLCharacters.decodeScalar(bytes, at: position) else { break }
            guard first ? XMLCharacters.isNameStart(value) : XMLCharacters.isNameChar(value) else { break }
            first = false
            position += length
            guard position - start <= reader.maxNameLength else {
                throw error(.nameLengthLimit, "a name longer than \(reader.maxNameLength) bytes", at: start)
            }
        }
        guard position > start else { throw error(.syntax, "expected an \(what)", at: start) }
        return Array(bytes[start..<position])
    }

    // MARK: Character data

    /// A run of text up to the next `<` or `&`, with CR LF and lone CR read as LF (§2.11).
    mutating func text() throws(XMLReadError) {
        var run: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") { break }
            if byte == UInt8(ascii: "]"), starts(with: Markup.cdataEnd) {
                throw error(.syntax, "']]>' is not allowed in text; write ]]&gt;", at: position)
            }
            position += 1
            if byte == 0x0D {
                run.append(0x0A)
                if position < bytes.count, bytes[position] == 0x0A { position += 1 }
            } else {
                run.append(byte)
            }
        }
        open[open.count - 1].text.append(contentsOf: run)
    }

    /// `<![CDATA[ … ]]>`: its content is text, taken literally.
    mutating func cdata() throws(XMLReadError) {
        let start = position
        position += 9  // "<![CDATA["
        guard let end = find(Markup.cdataEnd) else {
            throw error(.syntax, "a CDATA section is never closed with ']]>'", at: start)
        }
        var run: [UInt8] = []
        var index = position
        while index < end {
            if bytes[index] == 0x0D {
                run.append(0x0A)
                if index + 1 < end, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                run.append(bytes[index])
            }
            index += 1
        }
        open[open.count - 1].text.append(contentsOf: run)
        position = end + 3
    }

    /// `<!-- … -->`, skipped. `--` may not appear inside (§2.5).
    mutating func comment() throws(XMLReadError) {
        let start = position
        position += 4  // "<!--"
        guard let dashes = find(Markup.doubleHyphen) else {
            throw error(.syntax, "a comment is never closed with '-->'", at: start)
        }
        guard dashes + 2 < bytes.count, bytes[dashes + 2] == UInt8(ascii: ">") else {
            throw error(.syntax, "'--' is not allowed inside a comment", at: dashes)
        }
        position = dashes + 3
    }

    /// `&name;`, `&#NN;` or `&#xHH;` at `position`: the one character it stands for.
    /// Only the five predefined entities exist; anything else is an error, never a lookup.
    mutating func reference() throws(XMLReadError) -> Unicode.Scalar {
        let start = position
        position += 1  // "&"
        if position < bytes.count, bytes[position] == UInt8(ascii: "#") {
            position += 1
            let hexadecimal = position < bytes.count && bytes[position] == UInt8(ascii: "x")
            if hexadecimal { position += 1 }
            let digitsStart = position
            var value: UInt32 = 0
            while position < bytes.count, let digit = digitValue(bytes[position], hexadecimal: hexadecimal) {
                // Past U+10FFFF it can only get worse: stop growing, report below.
                if value <= 0x10_FFFF { value = value * (hexadecimal ? 16 : 10) + digit }
                position += 1
            }
            guard position > digitsStart, position < bytes.count, bytes[position] == UInt8(ascii: ";") else {
                throw error(.syntax, "a character reference must be &#digits; or &#xhex-digits;", at: start)
            }
            position += 1
            guard XMLCharacters.isChar(value), let scalar = Unicode.Scalar(value) else {
                let written = string(Array(bytes[start..<min(position, start + 16)]))
                throw error(.syntax, "\(written) is not a character XML 1.0 allows", at: start)
            }
            return scalar
        }
        let name = try self.name(what: "entity name after '&' (write &amp; for a literal '&')")
        guard position < bytes.count, bytes[position] == UInt8(ascii: ";") else {
            throw error(.syntax, "an entity reference must end with ';' (write &amp; for a literal '&')", at: start)
        }
        position += 1
        switch string(name) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case let other:
            throw error(.syntax, "unknown entity &\(other);: only &lt; &gt; &amp; &quot; &apos; and character "
                + "references are accepted", at: start)
        }
    }

    // MARK: The XML declaration

    /// `<?xml version="1.x" [encoding="UTF-8"] [standalone="yes|no"] ?>`, in that order.
    mutating func declaration() throws(XMLReadError) {
        let start = position
        position += 5  // "<?xml"
        var pseudoAttributes: [(name: String, value: String)] = []
        while true {
            let hadWhitespace = skipWhitespace()
            guard position < bytes.count else {
                throw error(.syntax, "the XML declaration is never closed with '?>'", at: start)
            }
            if starts(with: Markup.declarationEnd) {
                position += 2
                break
            }
            guard hadWhitespace else {
                throw error(.syntax, "expected whitespace or '?>' in the XML declaration", at: position)
            }
            let nameStart = position
            let name = string(try self.name(what: "XML declaration field"))
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw error(.syntax, "expected '=' after \(name) in the XML declaration", at: position)
            }
            position += 1
            skipWhitespace()
            pseudoAttributes.append((name, try attributeValue()))
            try checkDeclarationField(pseudoAttributes, at: nameStart)
        }
        guard pseudoAttributes.first?.name == "version" else {
            throw error(.syntax, "the XML declaration must start with version=\"1.0\"", at: start)
        }
    }

    func checkDeclarationField(_ fields: [(name: String, value: String)], at offset: Int) throws(XMLReadError) {
        guard let (name, value) = fields.last else { return }
        let order = ["version", "encoding", "standalone"]
        guard let rank = order.firstIndex(of: name),
            fields.dropLast().allSatisfy({ order.firstIndex(of: $0.name).map { $0 < rank } ?? false })
        else {
            throw error(.syntax, "the XML declaration takes version, encoding and standalone, in that order", at: offset)
        }
        let valid: Bool
        switch name {
        case "version":
            let digits = value.utf8.dropFirst(2)
            valid = value.hasPrefix("1.") && !digits.isEmpty && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        case "encoding":
            valid = value.lowercased() == "utf-8"
        default:
            valid = value == "yes" || value == "no"
        }
        guard valid else {
            let expected = ["version": "1.0", "encoding": "UTF-8 (the only encoding accepted)", "standalone": "yes or no"]
            throw error(.syntax, "\(name)=\"\(value)\" in the XML declaration; expected \(expected[name] ?? "")", at: offset)
        }
    }

    // MARK: Helpers

    /// `<?xml` followed by whitespace or `?>`: the XML declaration (`<?xml-stylesheet` is
    /// an ordinary processing instruction).
    func atDeclaration() -> Bool {
        guard starts(with: Markup.declarationStart), position + 5 < bytes.count else { return false }
        return XMLCharacters.isWhitespace(bytes[position + 5]) || bytes[position + 5] == UInt8(ascii: "?")
    }

    func starts(with prefix: [UInt8]) -> Bool {
        guard position + prefix.count <= bytes.count else { return false }
        for (index, byte) in prefix.enumerated() where bytes[position + index] != byte { return false }
        return true
    }

    /// The offset of the next occurrence of `needle` at or after `position`.
    func find(_ needle: [UInt8]) -> Int? {
        var index = position
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, XMLCharacters.isWhitespace(bytes[position]) { position += 1 }
        return position > start
    }

    func digitValue(_ byte: UInt8, hexadecimal: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hexadecimal: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hexadecimal: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func error(_ kind: XMLReadError.Kind, _ message: String, at offset: Int) -> XMLReadError {
        XMLReadError(kind, message, at: offset, in: bytes)
    }
}
