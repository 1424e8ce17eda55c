/// Invalidation as key-prefix deletes: the store removes every entry whose key
/// starts with one of these prefixes (and fails fills in progress under them).
extension CacheKey {
    /// Key prefixes covering every entry of `host` whose path matches
    /// `pathPattern`, a CloudFront invalidation path:
    /// - "/images/*" (a trailing `*`): every path starting with "/images/";
    /// - "/images/a.jpg": that path, with any query, headers or cookies (like
    ///   CloudFront, which invalidates every cached variant of the path).
    /// A `*` anywhere else is a literal character. The pattern is compared with
    /// paths as viewers sent them (not decoded). Where a long key was hashed
    /// and its path cut short, a prefix may cover a few more entries than the
    /// pattern names: invalidating too much is safe, too little is not.
    public static func invalidationPrefixes(host: some StringProtocol, pathPattern: some StringProtocol) -> [[UInt8]] {
        var pattern = Array(pathPattern.utf8)
        let isPrefixPattern = pattern.last == UInt8(ascii: "*")
        if isPrefixPattern { pattern.removeLast() }
        var writer = CacheKeyWriter()
        writer.appendPrefix(host: normalizedHost(host), path: pattern)
        let prefix = writer.bytes
        if isPrefixPattern { return [prefix] }
        // The exact path ends with the terminator in plain keys and with the digest
        // marker in hashed keys whose whole path fitted; a longer path was cut short
        // in hashed keys, so any key starting with its first bytes may be one of them.
        var prefixes = [prefix + [0x00], prefix + [escape, digestMarker]]
        let keptWithAnyDigest = maximumLength - 2 - CacheKeyHasherLimits.maximumDigestLength - 1
        if prefix.count > keptWithAnyDigest {
            prefixes.append(Array(prefix.prefix(keptWithAnyDigest)))
        }
        return prefixes
    }
}
