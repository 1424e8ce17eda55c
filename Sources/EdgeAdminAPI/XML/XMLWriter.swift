/// Builds a small XML document as UTF-8 bytes. Every piece of text goes through
/// `appendEscaped`, so a value can never open markup of its own.
struct XMLWriter {
    private(set) var bytes: [UInt8]

    /// Starts a document with the declaration CloudFront's responses carry.
    init() {
        bytes = Array(#"<?xml version="1.0"?>"#.utf8)
    }

    /// `<name>` or `<name xmlns="namespace">`.
    mutating func open(_ name: String, namespace: String? = nil) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        if let namespace {
            bytes.append(contentsOf: #" xmlns=""#.utf8)
            appendEscaped(namespace)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
    }

    /// `</name>`.
    mutating func close(_ name: String) {
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// `<name>text</name>`, the text escaped.
    mutating func element(_ name: String, _ text: String) {
        open(name)
        appendEscaped(text)
        close(name)
    }

    /// Escapes the five markup characters, writes CR as `&#13;` (a literal CR would be read
    /// back as LF), and replaces what XML 1.0 cannot carry at all (NUL and the other C0
    /// controls, U+FFFE, U+FFFF) with U+FFFD: such a value cannot have come from a parsed
    /// request, and a response that no client can parse would be worse.
    mutating func appendEscaped(_ text: String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": bytes.append(contentsOf: "&amp;".utf8)
            case "<": bytes.append(contentsOf: "&lt;".utf8)
            case ">": bytes.append(contentsOf: "&gt;".utf8)
            case "\"": bytes.append(contentsOf: "&quot;".utf8)
            case "'": bytes.append(contentsOf: "&apos;".utf8)
            case "\r": bytes.append(contentsOf: "&#13;".utf8)
            case _ where !XMLCharacters.isChar(scalar.value): bytes.append(contentsOf: "\u{FFFD}".utf8)
            default: bytes.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
