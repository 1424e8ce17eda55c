/// A viewer's conditional GET answered from the cache, without the origin.
public enum ViewerConditionalResult: Sendable, Equatable {
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

    /// Viewer conditional from request header fields (names case-insensitive).
    public func viewerConditional(requestHeaders: some Sequence<(name: String, value: String)>)
        -> ViewerConditionalResult
    {
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        for (name, value) in requestHeaders {
            if asciiEqualsLowercased(name, "if-none-match") {
                ifNoneMatch = ifNoneMatch.map { $0 + "," + value } ?? value
            } else if ifModifiedSince == nil, asciiEqualsLowercased(name, "if-modified-since") {
                ifModifiedSince = value
            }
        }
        return viewerConditional(ifNoneMatch: ifNoneMatch, ifModifiedSince: ifModifiedSince)
    }
}
