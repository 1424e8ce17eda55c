/// Revalidating a stale entry with the origin: the conditional request, and
/// what a 304 Not Modified does to the entry.
extension CachedResponseMeta {
    /// Validators to send to the origin: `If-None-Match` from the ETag and
    /// `If-Modified-Since` from Last-Modified (S3 honours both; sending both
    /// is what RFC 9111 §4.3.1 asks of caches). Empty when the entry has no
    /// validator: the revalidation is then a plain fetch.
    public var conditionalRequestHeaders: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let entityTag { headers.append(("If-None-Match", entityTag)) }
        if let lastModified { headers.append(("If-Modified-Since", lastModified)) }
        return headers
    }

    /// The entry after the origin answered 304 Not Modified with `headers`
    /// at `now`, or nil when the policy no longer allows storing it (e.g. the
    /// 304 says `no-store` and `minTTL` is 0): the caller then deletes it.
    ///
    /// Header fields in the 304 replace the stored fields of the same name
    /// (RFC 9111 §3.2), except those describing the stored body or the
    /// connection; the TTL is recomputed from the merged fields, counted from `now`.
    public func revalidated(
        notModifiedHeaders headers: [(name: String, value: String)], policy: CachePolicy, now: CacheTime
    ) -> CachedResponseMeta? {
        let updates = headers.filter { update in
            !Self.fieldsKeptOn304.contains { asciiEqualsLowercased(update.name, $0) }
        }
        var merged = self.headers.filter { stored in
            !updates.contains { asciiEqualsLowercased(stored.name, $0.name.lowercased()) }
        }
        merged.append(contentsOf: updates)
        var freshness = OriginFreshnessHeaders(headers: merged)
        freshness.contentLength = bodyLength
        guard case .store(let lifetime) = policy.storeDecision(status: status, freshness: freshness, now: now) else {
            return nil
        }
        var refreshed = CachedResponseMeta(
            status: status, headers: merged, bodyLength: bodyLength, entityTag: entityTag,
            lastModified: lastModified, storedAt: now, lifetime: lifetime, chunkSize: chunkSize,
            invalidationSequence: invalidationSequence)
        if let tag = updates.last(where: { asciiEqualsLowercased($0.name, "etag") }) { refreshed.entityTag = tag.value }
        if let modified = updates.last(where: { asciiEqualsLowercased($0.name, "last-modified") }) {
            refreshed.lastModified = modified.value
        }
        return refreshed
    }

    /// Fields a 304 must not change: they describe the stored body (its
    /// length, encoding, range) or the origin connection, not the object.
    static let fieldsKeptOn304 = [
        "content-length", "content-encoding", "content-range", "transfer-encoding", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade",
    ]
}
