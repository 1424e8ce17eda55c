/// One path of a CloudFront invalidation request, checked and reduced to the form matching
/// compares (``normalized``).
///
/// What a path means, as in CloudFront:
/// - `/images/a.jpg`: that object with no query string, whatever headers or cookies the
///   distribution keys (all their variants), but not `/images/a.jpg?v=2`;
/// - `/images/a.jpg?v=2&w=100`: that query variant, parameters in any order and spelling
///   (`?w=100&v=%32` too);
/// - `/images/*`: everything whose path starts with `/images/`, queries included; `/a.jpg*`
///   covers every query variant of `/a.jpg` (and `/a.jpg.bak`); `/*` covers everything.
/// Paths are case-sensitive. Percent-encoding does not matter: `/a%20b` and `/a b` name the
/// same objects, whichever spelling viewers used.
///
/// A `*` after a query (`/a.jpg?v=*`) compares the query as the cache key orders it, decoded
/// but not re-sorted: parameters sorted by name, so `?v=*` covers `?v=1` and `?v=2&w=1`,
/// while `?w=1&v=*` covers nothing that also has a `v`, since `v` sorts first. Write such
/// patterns with the fixed parameters in sorted order.
public struct InvalidationPattern: Sendable, Hashable {
    /// The path as given.
    public let path: String
    /// Decoded path, then `?` and the canonical query if there is one (``CanonicalQuery``),
    /// without the trailing `*`.
    public let normalized: [UInt8]
    /// True when the path ended in `*`: it covers every subject whose ``InvalidationSubject/normalized``
    /// starts with ``normalized``.
    public let isPrefix: Bool

    /// CloudFront's limit on an invalidation path, in characters (counted as Unicode scalars).
    public static let maximumLength = 4000

    public init(validating path: String) throws(InvalidationPathError) {
        try Self.validate(path)
        var bytes = Array(path.utf8)[...]
        isPrefix = bytes.last == UInt8(ascii: "*")
        if isPrefix { bytes = bytes.dropLast() }
        self.path = path
        normalized = Self.normalize(bytes, isPrefix: isPrefix)
    }

    /// True for `/*`.
    public var matchesEverything: Bool {
        isPrefix && normalized == [UInt8(ascii: "/")]
    }

    private static func validate(_ path: String) throws(InvalidationPathError) {
        guard let first = path.unicodeScalars.first else { throw .empty }
        guard first == "/" else { throw .missingLeadingSlash(path: path) }
        var length = 0
        var wildcard: Int?
        var control: (position: Int, scalar: UInt32)?
        for scalar in path.unicodeScalars {
            length += 1
            if wildcard == nil, scalar == "*" { wildcard = length }
            if control == nil, scalar.value < 0x20 || scalar.value == 0x7F { control = (length, scalar.value) }
        }
        if let control { throw .controlCharacter(path: path, position: control.position, scalar: control.scalar) }
        guard length <= maximumLength else { throw .tooLong(path: path, length: length) }
        if let wildcard, wildcard != length { throw .misplacedWildcard(path: path, position: wildcard) }
    }

    /// The path part decoded; a query's pairs decoded and sorted, unless the `*` ends inside
    /// the query, where they keep their order (see the type's notes). A prefix stops before an
    /// escape the `*` cut (`/a%2*` compares as `/a`): it then covers more, never less.
    private static func normalize(_ bytes: ArraySlice<UInt8>, isPrefix: Bool) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 1)
        guard let questionMark = bytes.firstIndex(of: UInt8(ascii: "?")) else {
            PercentDecoding.append(bytes, to: &output, inputMayBeCut: isPrefix)
            return output
        }
        PercentDecoding.append(bytes[..<questionMark], to: &output)
        let query = bytes[(questionMark + 1)...]
        if isPrefix {
            appendQueryPrefix(query, to: &output)
            return output
        }
        var canonical = CanonicalQuery()
        for item in query.split(separator: UInt8(ascii: "&")) {
            let equals = item.firstIndex(of: UInt8(ascii: "="))
            canonical.append(name: item[..<(equals ?? item.endIndex)], value: equals.map { item[($0 + 1)...] })
        }
        canonical.write(to: &output)
        return output
    }

    /// `?` and the items of a query a `*` ended, decoded, in their order. Empty items are
    /// dropped as keys drop them, except the last (`?a=1&*` must go on with another item).
    private static func appendQueryPrefix(_ query: ArraySlice<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "?"))
        let items = query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false)
        var wroteItem = false
        for (index, item) in items.enumerated() {
            let isLast = index == items.count - 1
            guard !item.isEmpty || isLast else { continue }
            if wroteItem { output.append(UInt8(ascii: "&")) }
            PercentDecoding.append(item, to: &output, inputMayBeCut: isLast)
            wroteItem = true
        }
    }
}
