/// A viewer's conditional GET answered from the cache, without the origin.
public enum ViewerConditionalResult: Sendable, Equatable {
    /// 412 Precondition Failed: `If-Match` or `If-Unmodified-Since` does not hold.
    case preconditionFailed
    /// 304 Not Modified (with the stored validators and caching fields).
    case notModified
    /// Serve the object (200 or a range).
    case serve
}

extension CachedResponseMeta {
    /// Evaluates `If-None-Match` and `If-Modified-Since` (RFC 9110 §13.2.2)
    /// against the stored entry, for a GET or HEAD:
    /// - `If-None-Match` with a tag that weakly matches the ETag, or `*` → 304;
    /// - `If-Modified-Since` only when there is no `If-None-Match` at all
    ///   (RFC 9110: the date is less precise than the tag; an unreadable
    ///   `If-None-Match` still counts as present), only with a valid date, and
    ///   304 when Last-Modified is not later than it;
    /// - only 200 entries are conditional: a cached 404 is always served as is.
    /// `ifNoneMatch` is all `If-None-Match` field lines joined by ",".
    public func viewerConditional(ifNoneMatch: String?, ifModifiedSince: String?) -> ViewerConditionalResult {
        guard status == 200 else { return .serve }
        if let ifNoneMatch {
            guard let condition = EntityTagCondition(ifNoneMatch) else { return .serve }
            return condition.weaklyMatches(entityTag.flatMap(EntityTag.init)) ? .notModified : .serve
        }
        guard let ifModifiedSince, let since = HTTPDate.parse(ifModifiedSince),
            let modified = lastModified.flatMap(HTTPDate.parse)
        else { return .serve }
        return modified <= since ? .notModified : .serve
    }

    /// The preconditions of RFC 9110 §13.2.2 steps 1 and 2, for a GET or HEAD of a stored 200:
    /// `If-Match` holds when a tag strongly matches the ETag (or is `*`); `If-Unmodified-Since`
    /// (only without `If-Match`, and only with a valid date) when Last-Modified is not later.
    /// An unreadable `If-Match` fails: the viewer asked for a condition that cannot be met.
    public func preconditionsHold(ifMatch: String?, ifUnmodifiedSince: String?) -> Bool {
        guard status == 200 else { return true }
        if let ifMatch {
            guard let condition = EntityTagCondition(ifMatch) else { return false }
            switch condition {
            case .any: return true
            case .tags(let tags):
                guard let stored = entityTag.flatMap(EntityTag.init) else { return false }
                return tags.contains { $0.stronglyMatches(stored) }
            }
        }
        guard let ifUnmodifiedSince, let since = HTTPDate.parse(ifUnmodifiedSince),
            let modified = lastModified.flatMap(HTTPDate.parse)
        else { return true }
        return modified <= since
    }

    /// Viewer conditional from request header fields (names case-insensitive): the
    /// preconditions first (412), then `If-None-Match` / `If-Modified-Since` (304).
    public func viewerConditional(requestHeaders: some Sequence<(name: String, value: String)>)
        -> ViewerConditionalResult
    {
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        var ifMatch: String?
        var ifUnmodifiedSince: String?
        for (name, value) in requestHeaders {
            if asciiEqualsLowercased(name, "if-none-match") {
                ifNoneMatch = ifNoneMatch.map { $0 + "," + value } ?? value
            } else if ifModifiedSince == nil, asciiEqualsLowercased(name, "if-modified-since") {
                ifModifiedSince = value
            } else if asciiEqualsLowercased(name, "if-match") {
                ifMatch = ifMatch.map { $0 + "," + value } ?? value
            } else if ifUnmodifiedSince == nil, asciiEqualsLowercased(name, "if-unmodified-since") {
                ifUnmodifiedSince = value
            }
        }
        guard preconditionsHold(ifMatch: ifMatch, ifUnmodifiedSince: ifUnmodifiedSince) else { return .preconditionFailed }
        return viewerConditional(ifNoneMatch: ifNoneMatch, ifModifiedSince: ifModifiedSince)
    }
}
