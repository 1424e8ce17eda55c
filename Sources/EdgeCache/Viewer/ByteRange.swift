/// A viewer's `Range` request resolved against an object of known length.
public enum RangeDecision: Sendable, Equatable {
    /// No usable `Range` (absent, another unit, bad syntax, or an `If-Range`
    /// that does not match): answer 200 with the whole object. RFC 9110 says
    /// to ignore a Range a server cannot read, not to reject it.
    case whole
    /// Answer 206 with these bytes.
    case partial(ByteRange)
    /// Several ranges: answer 200 with the whole object, as CloudFront does,
    /// rather than a multipart/byteranges body.
    case multipleRanges
    /// Answer 416 with `Content-Range: bytes */length`.
    case unsatisfiable(contentRange: String)
}

/// An inclusive byte range within an object.
public struct ByteRange: Sendable, Hashable {
    public var first: Int
    public var last: Int
    /// Length of the whole object.
    public var completeLength: Int

    /// `first...last` within an object of `completeLength` bytes (0 ≤ first ≤ last < completeLength).
    public init(first: Int, last: Int, completeLength: Int) {
        self.first = first
        self.last = last
        self.completeLength = completeLength
    }

    public var count: Int { last - first + 1 }

    /// The 206 response's `Content-Range` value, e.g. "bytes 0-499/1234".
    public var contentRange: String {
        "bytes \(first)-\(last)/\(completeLength)"
    }
}

extension RangeDecision {
    /// Resolves `range` (the `Range` field value, nil when absent) for an
    /// object of `length` bytes.
    ///
    /// Accepted forms (RFC 9110 §14.1.2): `bytes=0-499`, `bytes=500-`
    /// (to the end), `bytes=-500` (the last 500); the unit is case-insensitive
    /// and blanks around items are tolerated. A last position beyond the end is
    /// cut to the end. A range starting at or after the end, or a zero suffix,
    /// is unsatisfiable.
    ///
    /// `ifRange` (the `If-Range` value) keeps the range only if it strongly
    /// matches `entityTag`, or, for a date, equals `lastModified` exactly;
    /// otherwise the viewer's copy is outdated and gets the whole object.
    public init(range: String?, length: Int, ifRange: String? = nil, entityTag: String? = nil,
        lastModified: String? = nil)
    {
        guard let range else {
            self = .whole
            return
        }
        if let ifRange, !Self.ifRangeHolds(ifRange, entityTag: entityTag, lastModified: lastModified) {
            self = .whole
            return
        }
        let text = Substring(range).trimmingBlanks()
        guard let equals = text.firstIndex(of: "="),
            text[..<equals].trimmingBlanks().lowercased() == "bytes"
        else {
            self = .whole
            return
        }
        let items = text[text.index(after: equals)...].split(separator: ",").map { $0.trimmingBlanks() }
            .filter { !$0.isEmpty }
        guard !items.isEmpty else {
            self = .whole
            return
        }
        var parsed: [(first: Int?, last: Int?)] = []
        for item in items {
            guard let spec = Self.parse(item) else {
                self = .whole
                return
            }
            parsed.append(spec)
        }
        if parsed.count > 1 {
            self = .multipleRanges
            return
        }
        self = Self.resolve(parsed[0], length: length)
    }

    /// `first-last`, `first-` or `-suffix`, digits only; nil for bad syntax
    /// (including last < first, which RFC 9110 makes invalid, not unsatisfiable).
    private static func parse(_ item: Substring) -> (first: Int?, last: Int?)? {
        guard let dash = item.firstIndex(of: "-") else { return nil }
        let firstText = item[..<dash].trimmingBlanks()
        let lastText = item[item.index(after: dash)...].trimmingBlanks()
        let first = firstText.isEmpty ? nil : digits(firstText)
        let last = lastText.isEmpty ? nil : digits(lastText)
        if !firstText.isEmpty, first == nil { return nil }
        if !lastText.isEmpty, last == nil { return nil }
        switch (first, last) {
        case (nil, nil): return nil
        case (let first?, let last?) where last < first: return nil
        default: return (first, last)
        }
    }

    /// A non-negative integer; numbers too large for Int saturate (a range
    /// beyond any object is then simply unsatisfiable or cut to the end).
    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text) ?? Int.max
    }

    private static func resolve(_ spec: (first: Int?, last: Int?), length: Int) -> RangeDecision {
        let unsatisfiable = RangeDecision.unsatisfiable(contentRange: "bytes */\(length)")
        switch spec {
        case (let first?, let last):
            guard first < length else { return unsatisfiable }
            return .partial(ByteRange(first: first, last: min(last ?? Int.max, length - 1), completeLength: length))
        case (nil, let suffix?):
            guard suffix > 0, length > 0 else { return unsatisfiable }
            return .partial(ByteRange(first: max(0, length - suffix), last: length - 1, completeLength: length))
        case (nil, nil):
            return .whole
        }
    }

    private static func ifRangeHolds(_ ifRange: String, entityTag: String?, lastModified: String?) -> Bool {
        let value = Substring(ifRange).trimmingBlanks()
        if value.first == "\"" || value.hasPrefix("W/") {
            guard let condition = EntityTag(value), let stored = entityTag.flatMap(EntityTag.init) else { return false }
            return condition.stronglyMatches(stored)
        }
        guard let date = HTTPDate.parse(value), let modified = lastModified.flatMap(HTTPDate.parse) else {
            return false
        }
        return date == modified
    }
}
