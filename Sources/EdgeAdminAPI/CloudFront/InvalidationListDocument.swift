/// The `InvalidationList` document, the body of `ListInvalidations` (200).
public struct InvalidationListDocument: Sendable, Equatable {
    /// One `InvalidationSummary`.
    public struct Summary: Sendable, Equatable {
        public var id: String
        public var createTime: CloudFrontTimestamp
        public var status: InvalidationStatus

        public init(id: String, createTime: CloudFrontTimestamp, status: InvalidationStatus) {
            self.id = id
            self.createTime = createTime
            self.status = status
        }
    }

    /// The request's `Marker`, echoed; empty when it had none (the element is required).
    public var marker: String
    /// Written only when `isTruncated`: the `Marker` of the next page.
    public var nextMarker: String?
    /// The request's `MaxItems` (or the default it stood for).
    public var maxItems: Int
    public var isTruncated: Bool
    /// Newest first, as CloudFront lists them.
    public var items: [Summary]

    public init(marker: String, nextMarker: String?, maxItems: Int, isTruncated: Bool, items: [Summary]) {
        self.marker = marker
        self.nextMarker = nextMarker
        self.maxItems = maxItems
        self.isTruncated = isTruncated
        self.items = items
    }

    /// The document for one page from `InvalidationPaging.page`, `items` being the
    /// summaries of `page.ids` in the same order.
    public init(page: InvalidationPage, items: [Summary]) {
        self.init(marker: page.marker, nextMarker: page.nextMarker, maxItems: page.maxItems,
                  isTruncated: page.isTruncated, items: items)
    }

    /// `<InvalidationList xmlns=…><Marker/>[<NextMarker/>]<MaxItems/><IsTruncated/>
    /// <Quantity/>[<Items><InvalidationSummary><Id/><CreateTime/><Status/>
    /// </InvalidationSummary>…</Items>]</InvalidationList>`. `Quantity` counts this page's
    /// items; `Items` is left out when there are none, as CloudFront does.
    public func xml() -> [UInt8] {
        var writer = XMLWriter()
        writer.open("InvalidationList", namespace: CloudFrontAPI.namespace)
        writer.element("Marker", marker)
        if isTruncated, let nextMarker { writer.element("NextMarker", nextMarker) }
        writer.element("MaxItems", String(maxItems))
        writer.element("IsTruncated", isTruncated ? "true" : "false")
        writer.element("Quantity", String(items.count))
        if !items.isEmpty {
            writer.open("Items")
            for item in items {
                writer.open("InvalidationSummary")
                writer.element("Id", item.id)
                writer.element("CreateTime", item.createTime.iso8601)
                writer.element("Status", item.status.rawValue)
                writer.close("InvalidationSummary")
            }
            writer.close("Items")
        }
        writer.close("InvalidationList")
        return writer.bytes
    }
}
