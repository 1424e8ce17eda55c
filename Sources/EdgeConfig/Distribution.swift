/// One entry of `distributions:`: a set of hostnames served from one origin,
/// like a CloudFront distribution.
public struct Distribution: Sendable, Equatable {
    /// Required, upper-case letters and digits like CloudFront ids
    /// ("E2EXAMPLE"), unique across distributions; the admin API uses it.
    public var id: String
    /// Required, at least one. Lower-cased DNS names, or "*.example.com"
    /// wildcards matching exactly one extra label. A hostname belongs to one
    /// distribution only, so routing a Host header is never ambiguous.
    public var hostnames: [String]
    /// Key `origin`: the S3 bucket objects come from. nil (the default) when
    /// absent: requests are then answered 503 "no origin configured".
    public var origin: OriginSettings?
    /// Line of the list item (`- id: ...`), for diagnostics.
    public var line: Int

    public init(id: String, hostnames: [String], origin: OriginSettings? = nil, line: Int = 0) {
        self.id = id
        self.hostnames = hostnames
        self.origin = origin
        self.line = line
    }
}
