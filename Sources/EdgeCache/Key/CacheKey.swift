/// Identifies one cached object: host, path and whatever the distribution's
/// `CachePolicy` puts in the key, as a stable byte string that is also the
/// LMDB key of the entry.
///
/// What goes in, and why:
/// - the host, lower-cased, without port and trailing dot: one distribution
///   may serve several names, and each name is its own site;
/// - the path exactly as the viewer sent it, not decoded: `/a%20b` and `/a b`
///   are two keys, like CloudFront, so a key never depends on a decoding step
///   that could disagree with the origin's;
/// - query parameters selected by the policy, sorted by name then value, so
///   `?a=1&b=2` and `?b=2&a=1` share an entry;
/// - values of the policy's headers, and selected cookies, sorted.
/// Nothing else: `X-Forwarded-*`, other headers, other cookies and unselected
/// parameters never split the cache.
///
/// Layout (format 1): every key of one host and path prefix shares a byte
/// prefix, and ``InvalidationSubject`` reads host, path and query back for
/// invalidation matching.
/// ```
/// 0x01  len(host) host  escaped(path)  0x00  query-pairs  header-values  cookie-pairs
/// ```
/// `escaped` writes 0x00 as 0x01 0x02 and 0x01 as 0x01 0x01, so the path's end
/// is unambiguous and escaping preserves prefixes. Lengths and counts are
/// LEB128. A key longer than `maximumLength` keeps its host and as much of the
/// escaped path as fits, then 0x01 0x03 (an escape no path produces) and the
/// caller's digest of the full key: still under its host and path prefix.
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// The serialized key.
    public let bytes: [UInt8]

    /// LMDB's maximum key size (511) minus the 12 bytes EdgeStore appends for
    /// body records (a body generation and a chunk index).
    public static let maximumLength = 499

    static let formatTag: UInt8 = 0x01
    /// Escape byte inside the path.
    static let escape: UInt8 = 0x01
    /// Follows `escape` to mark "the rest is a digest" in a hashed key.
    static let digestMarker: UInt8 = 0x03
    /// First byte of a key that is only a digest (its host did not fit).
    static let hostlessDigestTag: UInt8 = 0x02

    /// Builds the key for a viewer request.
    /// - Parameters:
    ///   - host: the `Host` / `:authority` value, port and case as sent.
    ///   - target: the request target as sent (`/path?query`).
    ///   - headers: the request's header fields (NIOHTTP1's `HTTPHeaders` fits).
    ///   - hasher: used only for keys longer than `maximumLength`.
    public init(
        host: some StringProtocol, target: some StringProtocol,
        headers: some Sequence<(name: String, value: String)>,
        policy: CachePolicy, hasher: some CacheKeyHasher
    ) {
        let targetBytes = Array(target.utf8)
        let queryStart = targetBytes.firstIndex(of: UInt8(ascii: "?"))
        var writer = CacheKeyWriter()
        writer.appendPrefix(host: normalizedHost(host), path: targetBytes[..<(queryStart ?? targetBytes.endIndex)])
        let prefixLength = writer.bytes.count
        writer.append(byte: 0x00)
        let query = queryStart.map { targetBytes[targetBytes.index(after: $0)...] } ?? []
        writer.append(pairs: selectedQueryParameters(query, policy.queryStrings))
        writer.append(headerValues: selectedHeaderValues(headers, policy.headers))
        writer.append(pairs: selectedCookies(headers, policy.cookies))
        bytes = writer.bytes.count <= Self.maximumLength
            ? writer.bytes : Self.hashed(writer.bytes, prefixLength: prefixLength, hasher: hasher)
    }

    /// Wraps bytes read back from the store (e.g. while walking the index).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Host field and as much of the escaped path as fits (never half an
    /// escape pair), the digest marker, and the digest of the full key.
    private static func hashed(_ full: [UInt8], prefixLength: Int, hasher: some CacheKeyHasher) -> [UInt8] {
        let digest = hasher.digest(full).prefix(CacheKeyHasherLimits.maximumDigestLength)
        let room = maximumLength - 2 - digest.count
        var reader = CacheKeyReader(bytes: full.dropFirst())
        _ = reader.field()
        let pathStart = full.count - reader.bytes.count
        guard pathStart <= room else {
            // A host too long to keep cannot be a configured DNS name (at most 253 bytes).
            return [hostlessDigestTag] + digest
        }
        var end = pathStart
        while end < prefixLength {
            let step = full[end] == escape ? 2 : 1
            guard end + step <= room else { break }
            end += step
        }
        return Array(full[..<end]) + [escape, digestMarker] + digest
    }

    /// True when the key ends in a digest of a longer key.
    public var isHashed: Bool {
        if bytes.first == Self.hostlessDigestTag { return true }
        var reader = CacheKeyReader(bytes: bytes.dropFirst())
        guard reader.field() != nil else { return true }
        var rest = reader.bytes
        while let byte = rest.popFirst() {
            if byte == 0x00 { return false }
            if byte == Self.escape, rest.popFirst() == Self.digestMarker { return true }
        }
        return false
    }

    /// For logs: host and path of the key (path cut short if the key is
    /// hashed), without the parameters.
    public var description: String {
        if bytes.first == Self.hostlessDigestTag { return "(hashed)" }
        var reader = CacheKeyReader(bytes: bytes.dropFirst())
        guard let host = reader.field() else { return "invalid key" }
        var path: [UInt8] = []
        var rest = reader.bytes
        var hashed = false
        while let byte = rest.popFirst(), byte != 0x00 {
            guard byte == Self.escape else {
                path.append(byte)
                continue
            }
            let escaped = rest.popFirst()
            if escaped == Self.digestMarker {
                hashed = true
                break
            }
            path.append(escaped == 0x02 ? 0x00 : Self.escape)
        }
        return String(decoding: host, as: UTF8.self) + String(decoding: path, as: UTF8.self)
            + (hashed ? "… (hashed)" : "")
    }
}

/// Lower-cased host without port and without one trailing dot
/// ("CDN.Example.com.:443" → "cdn.example.com", "[::1]:8443" → "[::1]").
func normalizedHost(_ host: some StringProtocol) -> [UInt8] {
    var bytes = Array(host.utf8)
    if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
        bytes.removeSubrange(bytes.index(after: close)...)
    } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
        bytes.removeSubrange(colon...)
    }
    if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
    return bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
}
