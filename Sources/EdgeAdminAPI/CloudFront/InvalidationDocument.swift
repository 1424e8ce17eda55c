/// Where an invalidation is: CloudFront reports `InProgress` until every edge has
/// applied it, then `Completed` (what `aws cloudfront wait invalidation-completed` polls for).
public enum InvalidationStatus: String, Sendable, Equatable {
    case inProgress = "InProgress"
    case completed = "Completed"
}

/// The `Invalidation` document: the body of `CreateInvalidation` (201, with a `Location`
/// header the listener adds) and of `GetInvalidation` (200).
public struct InvalidationDocument: Sendable, Equatable {
    public var id: String
    public var status: InvalidationStatus
    public var createTime: CloudFrontTimestamp
    public var callerReference: String
    public var paths: [String]

    public init(id: String, status: InvalidationStatus, createTime: CloudFrontTimestamp, callerReference: String,
                paths: [String]) {
        self.id = id
        self.status = status
        self.createTime = createTime
        self.callerReference = callerReference
        self.paths = paths
    }

    /// `<Invalidation xmlns=…><Id/><Status/><CreateTime/><InvalidationBatch><Paths>
    /// <Quantity/><Items><Path/>…</Items></Paths><CallerReference/></InvalidationBatch>
    /// </Invalidation>`. `Items` is left out when there are no paths (it is optional in
    /// the service model; `Quantity` is not).
    public func xml() -> [UInt8] {
        var writer = XMLWriter()
        writer.open("Invalidation", namespace: CloudFrontAPI.namespace)
        writer.element("Id", id)
        writer.element("Status", status.rawValue)
        writer.element("CreateTime", createTime.iso8601)
        writer.open("InvalidationBatch")
        writer.open("Paths")
        writer.element("Quantity", String(paths.count))
        if !paths.isEmpty {
            writer.open("Items")
            for path in paths { writer.element("Path", path) }
            writer.close("Items")
        }
        writer.close("Paths")
        writer.element("CallerReference", callerReference)
        writer.close("InvalidationBatch")
        writer.close("Invalidation")
        return writer.bytes
    }
}
