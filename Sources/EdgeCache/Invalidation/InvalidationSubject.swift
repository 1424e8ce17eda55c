/// A cached entry as invalidation rules see it: the host and the decoded path and query of its
/// ``CacheKey``, in the form ``InvalidationPattern/normalized`` is compared with.
///
/// Keys store the path and query parameters as the viewer sent them (`/a%20b`); decoding them
/// here makes `/a%20b`, `/a b` and `/a%20%62` one subject, so an invalidation in either
/// spelling covers every spelling viewers used. Header values and cookies are not part of the
/// subject: a rule covers all of a path's variants.
///
/// A hashed key (longer than ``CacheKey/maximumLength``) keeps only its host and the start of
/// its path; its query is unknown. Such a subject matches every rule it could be under
/// (``InvalidationIndex``): invalidating too much costs a fetch, too little serves stale
/// content. A key that is only a digest (its host did not fit) has an empty ``host`` and
/// matches every rule; its distribution cannot be told from it either.
public struct InvalidationSubject: Sendable, Hashable {
    /// What the key tells of the path and query.
    enum Extent: Sendable, Hashable {
        /// ``InvalidationSubject/normalized`` is the whole decoded path and query.
        case whole
        /// A hashed key whose whole path fitted: ``InvalidationSubject/normalized`` is the
        /// path; the query, if any, is unknown.
        case pathOnly
        /// A hashed key whose path was cut short (or a key without a host):
        /// ``InvalidationSubject/normalized`` is a prefix of the path.
        case pathPrefix
    }

    /// The lower-cased host the key was made for; empty for a key that is only a digest.
    public let host: [UInt8]
    /// The decoded path, then `?` and the canonical query (``CanonicalQuery``) if the key has at
    /// least one query parameter. For a hashed key, the decoded path or the start of it.
    public let normalized: [UInt8]
    let extent: Extent

    /// True when the key ends in a digest of a longer key, so matching is conservative.
    public var isHashed: Bool { extent != .whole }

    public init(_ key: CacheKey) {
        // A key built by CacheKey's initializers always parses; bytes read back could be
        // anything, and then the key is matched as a digest: by every rule.
        self = Self(cacheKey: key.bytes) ?? Self(host: [], normalized: [], extent: .pathPrefix)
    }

    /// Nil if `cacheKey` is not a key of the current ``CacheKey`` layout.
    public init?(cacheKey bytes: [UInt8]) {
        guard let parsed = bytes.withUnsafeBufferPointer({ Self.parse($0[...]) }) else { return nil }
        self = parsed
    }

    init(host: [UInt8], normalized: [UInt8], extent: Extent) {
        self.host = host
        self.normalized = normalized
        self.extent = extent
    }

    /// Reads the key from the buffer it is stored in: no slice of it is reference counted, and
    /// the only allocations are ``host`` and ``normalized`` (and decoded query pairs if one
    /// holds a `%`).
    private static func parse(_ bytes: KeyBytes) -> Self? {
        guard let tag = bytes.first else { return nil }
        if tag == CacheKey.hostlessDigestTag { return Self(host: [], normalized: [], extent: .pathPrefix) }
        guard tag == CacheKey.formatTag else { return nil }
        var reader = CacheKeyReader(bytes: bytes.dropFirst())
        guard let host = reader.field(), let path = EscapedPath(reader.bytes) else { return nil }
        var normalized: [UInt8] = []
        guard path.isHashed else {
            normalized.reserveCapacity(path.bytes.count + path.rest.count)
            path.appendDecoded(to: &normalized, mayBeCut: false)
            var parameters = CacheKeyReader(bytes: path.rest)
            guard appendQuery(&parameters, to: &normalized), parameters.skipHeadersAndCookies() else { return nil }
            return Self(host: Array(host), normalized: normalized, extent: .whole)
        }
        // `CacheKey.hashed` cuts a path only when it runs into the room left for the digest,
        // which puts the key at 498 or 499 bytes; a shorter hashed key kept its whole path.
        let whole = bytes.count < CacheKey.maximumLength - 1
        path.appendDecoded(to: &normalized, mayBeCut: !whole)
        return Self(host: Array(host), normalized: normalized, extent: whole ? .pathOnly : .pathPrefix)
    }

    /// Reads the key's query pairs and appends them in canonical form. Keys store pairs sorted
    /// as sent, so without a `%` they are in canonical order already and are copied as they are,
    /// without decoding or sorting. False if the pairs are malformed.
    private static func appendQuery(_ reader: inout CacheKeyReader<KeyBytes>, to output: inout [UInt8]) -> Bool {
        guard let count = reader.count() else { return false }
        let pairs = reader
        var hasEscapes = false
        for _ in 0..<count {
            guard let pair = reader.pair() else { return false }
            hasEscapes = hasEscapes || pair.name.contains(UInt8(ascii: "%"))
                || pair.value?.contains(UInt8(ascii: "%")) == true
        }
        reader = pairs
        if hasEscapes {
            var canonical = CanonicalQuery()
            for _ in 0..<count {
                guard let pair = reader.pair() else { return false }
                canonical.append(name: pair.name, value: pair.value)
            }
            canonical.write(to: &output)
            return true
        }
        for index in 0..<count {
            guard let pair = reader.pair() else { return false }
            output.append(UInt8(ascii: index == 0 ? "?" : "&"))
            CanonicalQuery.write(name: pair.name, value: pair.value, to: &output)
        }
        return true
    }
}

extension CacheKeyReader {
    /// A query parameter or cookie as ``CacheKeyWriter/append(pairs:)`` writes it: the name, a
    /// presence byte, and the value if present. Nil if malformed.
    fileprivate mutating func pair() -> (name: Bytes, value: Bytes?)? {
        guard let name = field(), let present = bytes.popFirst() else { return nil }
        switch present {
        case 0: return (name, nil)
        case 1: return field().map { (name, $0) }
        default: return nil
        }
    }

    /// Reads past the header values and cookies (not part of a subject, but part of a
    /// well-formed key); true if that is exactly the rest of the key.
    fileprivate mutating func skipHeadersAndCookies() -> Bool {
        guard let headerCount = count() else { return false }
        for _ in 0..<headerCount {
            switch bytes.popFirst() {
            case 0: continue
            case 1: guard field() != nil else { return false }
            default: return false
            }
        }
        guard let cookieCount = count() else { return false }
        for _ in 0..<cookieCount where pair() == nil { return false }
        return bytes.isEmpty
    }
}

/// A key's bytes where it is stored, for the duration of ``InvalidationSubject/init(cacheKey:)``.
private typealias KeyBytes = Slice<UnsafeBufferPointer<UInt8>>

/// The escaped path of a key, up to its terminator (0x00) or, in a hashed key, the digest marker.
private struct EscapedPath {
    /// Escaped bytes of the path.
    let bytes: KeyBytes
    /// What follows the terminator (the parameters); empty in a hashed key.
    let rest: KeyBytes
    let isHashed: Bool
    /// True when `bytes` holds an escape pair (a 0x00 or 0x01 byte in the path).
    let hasEscapes: Bool

    init?(_ key: KeyBytes) {
        var index = key.startIndex
        var hasEscapes = false
        while index < key.endIndex {
            switch key[index] {
            case 0x00:
                self.init(bytes: key[..<index], rest: key[(index + 1)...], isHashed: false, hasEscapes: hasEscapes)
                return
            case CacheKey.escape:
                guard index + 1 < key.endIndex else { return nil }
                switch key[index + 1] {
                case CacheKey.digestMarker:
                    self.init(bytes: key[..<index], rest: key[key.endIndex...], isHashed: true, hasEscapes: hasEscapes)
                    return
                case 0x01, 0x02: hasEscapes = true
                default: return nil
                }
                index += 2
            default:
                index += 1
            }
        }
        return nil
    }

    private init(bytes: KeyBytes, rest: KeyBytes, isHashed: Bool, hasEscapes: Bool) {
        self.bytes = bytes
        self.rest = rest
        self.isHashed = isHashed
        self.hasEscapes = hasEscapes
    }

    /// The path unescaped and percent-decoded.
    func appendDecoded(to output: inout [UInt8], mayBeCut: Bool) {
        guard hasEscapes else {
            PercentDecoding.append(bytes, to: &output, inputMayBeCut: mayBeCut)
            return
        }
        var raw: [UInt8] = []
        raw.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == CacheKey.escape {
                raw.append(bytes[index + 1] == 0x02 ? 0x00 : CacheKey.escape)
                index += 2
            } else {
                raw.append(bytes[index])
                index += 1
            }
        }
        PercentDecoding.append(raw[...], to: &output, inputMayBeCut: mayBeCut)
    }
}
