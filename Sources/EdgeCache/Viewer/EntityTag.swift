/// An entity tag (RFC 9110 §8.8.3): `"xyzzy"` or weak `W/"xyzzy"`.
public struct EntityTag: Sendable, Hashable {
    /// The characters between the quotes.
    public var opaque: Substring
    public var isWeak: Bool

    /// Parses one tag; nil for anything else. Unquoted tags (`abc`) are
    /// accepted as strong tags: some clients send them and refusing would
    /// only cost a 200 where a 304 was meant.
    public init?(_ text: some StringProtocol) {
        var rest = Substring(text)
        isWeak = rest.hasPrefix("W/")
        if isWeak { rest = rest.dropFirst(2) }
        if rest.first == "\"" {
            guard rest.count >= 2, rest.last == "\"" else { return nil }
            opaque = rest.dropFirst().dropLast()
            guard !opaque.contains("\"") else { return nil }
        } else {
            guard !rest.isEmpty, !isWeak, !rest.contains(where: { $0 == "\"" || $0 == " " || $0 == "," }) else {
                return nil
            }
            opaque = rest
        }
    }

    /// Weak comparison: equal opaque tags, either or both may be weak
    /// (what If-None-Match uses).
    public func weaklyMatches(_ other: EntityTag) -> Bool {
        opaque == other.opaque
    }

    /// Strong comparison: both strong and equal (what If-Range uses).
    public func stronglyMatches(_ other: EntityTag) -> Bool {
        !isWeak && !other.isWeak && opaque == other.opaque
    }
}

/// The value of `If-None-Match` / `If-Match`: `*` or a list of entity tags.
public enum EntityTagCondition: Sendable, Equatable {
    case any
    case tags([EntityTag])

    /// Parses a field value; several field lines may be passed joined by ",".
    /// Items that are not entity tags are skipped; nil when nothing usable
    /// remains (the condition is then ignored, as if absent).
    public init?(_ text: some StringProtocol) {
        let items = splitEntityTagList(Substring(text))
        if items.contains("*") {
            self = .any
            return
        }
        let tags = items.compactMap(EntityTag.init)
        guard !tags.isEmpty else { return nil }
        self = .tags(tags)
    }

    /// True when `tag` (the stored ETag, nil if none) satisfies the list
    /// under weak comparison. `*` matches any stored representation.
    public func weaklyMatches(_ tag: EntityTag?) -> Bool {
        switch self {
        case .any: return true
        case .tags(let tags):
            guard let tag else { return false }
            return tags.contains { $0.weaklyMatches(tag) }
        }
    }
}

/// Splits on commas outside quotes, trimming blanks; empty items dropped.
private func splitEntityTagList(_ text: Substring) -> [Substring] {
    var items: [Substring] = []
    var start = text.startIndex
    var inQuotes = false
    var index = text.startIndex
    func flush(_ end: Substring.Index) {
        let item = text[start..<end].trimmingBlanks()
        if !item.isEmpty { items.append(item) }
    }
    while index < text.endIndex {
        let character = text[index]
        if character == "\"" {
            inQuotes.toggle()
        } else if character == ",", !inQuotes {
            flush(index)
            start = text.index(after: index)
        }
        index = text.index(after: index)
    }
    flush(text.endIndex)
    return items
}

extension Substring {
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
