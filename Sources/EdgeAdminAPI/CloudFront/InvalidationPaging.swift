/// One page of a distribution's invalidations, chosen by `InvalidationPaging.page`.
public struct InvalidationPage: Sendable, Equatable {
    /// Positions of this page's invalidations in the newest-first list that was paged.
    public let indices: Range<Int>
    /// Their IDs, newest first.
    public let ids: [String]
    /// The ID to send as `Marker` for the next page; nil on the last page.
    public let nextMarker: String?
    public var isTruncated: Bool { nextMarker != nil }
    /// The request's `Marker` as the response echoes it ("" for none).
    public let marker: String
    /// The page size used (the request's `MaxItems`, or the default).
    public let maxItems: Int
}

/// `ListInvalidations` paging, as CloudFront does it: invalidations newest first;
/// `Marker` is the ID of the last invalidation of the previous page (its `NextMarker`),
/// and the page starts right after it; `MaxItems` is 1…100, 100 when absent (API
/// reference, "GET Invalidation List": "a maximum value of 100 … Default: 100").
public enum InvalidationPaging {
    public static let defaultMaxItems = 100
    public static let maxItemsLimit = 100

    /// Picks the page of `ids` (newest first) that starts after `marker`. An empty
    /// `Marker` or `MaxItems` (`?Marker=&MaxItems=`) counts as absent. A `Marker` that is
    /// not one of `ids` is `InvalidArgument`: silently answering an empty last page would
    /// end a client's listing early without telling it.
    public static func page(
        ids: [String], marker: String?, maxItems: String?
    ) throws(CloudFrontAPIError) -> InvalidationPage {
        let limit = try pageSize(maxItems)
        var start = 0
        let marker = marker ?? ""
        if !marker.isEmpty {
            guard let position = ids.firstIndex(of: marker) else {
                throw .invalidArgument("Marker \"\(CloudFrontAPIError.excerpt(marker))\" is not the ID of an "
                    + "invalidation of this distribution; "
                    + "use the NextMarker of the previous page, or no Marker to start with the newest.")
            }
            start = position + 1
        }
        let end = min(ids.count, start + limit)
        let truncated = end < ids.count
        return InvalidationPage(indices: start..<end, ids: Array(ids[start..<end]),
                                nextMarker: truncated ? ids[end - 1] : nil, marker: marker, maxItems: limit)
    }

    /// `MaxItems` as a number from 1 to 100.
    static func pageSize(_ text: String?) throws(CloudFrontAPIError) -> Int {
        guard let text, !text.isEmpty else { return defaultMaxItems }
        guard text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text),
            (1...maxItemsLimit).contains(value)
        else {
            throw .invalidArgument("MaxItems \"\(CloudFrontAPIError.excerpt(text))\" is not a whole number "
                + "from 1 to \(maxItemsLimit).")
        }
        return value
    }
}
