/// Splits one `Cache-Control` field value into directives (`name[=value]`),
/// honouring quoted strings, and never failing: whatever cannot be read as a
/// directive is skipped.
struct CacheControlTokenizer: Sequence, IteratorProtocol {
    struct Directive: Equatable {
        /// Lower-cased name.
        var name: String
        /// Unquoted value, without surrounding whitespace; nil when absent.
        var value: Substring?
    }

    private let text: Substring
    private var position: Substring.Index

    init(_ text: some StringProtocol) {
        self.text = Substring(text)
        self.position = self.text.startIndex
    }

    mutating func next() -> Directive? {
        while position < text.endIndex {
            let element = nextElement()
            guard let equals = element.firstIndex(of: "=") else {
                let name = trimmed(element)
                if !name.isEmpty { return Directive(name: name.lowercased(), value: nil) }
                continue
            }
            let name = trimmed(element[..<equals])
            guard !name.isEmpty else { continue }
            var value = trimmed(element[element.index(after: equals)...])
            if value.first == "\"" { value = unquoted(value) }
            return Directive(name: name.lowercased(), value: value)
        }
        return nil
    }

    /// Text up to the next comma outside a quoted string; moves past the comma.
    private mutating func nextElement() -> Substring {
        let start = position
        var inQuotes = false
        var escaped = false
        while position < text.endIndex {
            let character = text[position]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuotes = false
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "," {
                let element = text[start..<position]
                position = text.index(after: position)
                return element
            }
            position = text.index(after: position)
        }
        return text[start..<position]
    }

    /// The content of a quoted string with `\x` escapes resolved; an unclosed
    /// quote keeps whatever follows it.
    private func unquoted(_ value: Substring) -> Substring {
        var result = ""
        var escaped = false
        for character in value.dropFirst() {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                break
            } else {
                result.append(character)
            }
        }
        return Substring(trimmed(Substring(result)))
    }

    private func trimmed(_ text: Substring) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }),
            let last = text.lastIndex(where: { !isBlank($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }
}
