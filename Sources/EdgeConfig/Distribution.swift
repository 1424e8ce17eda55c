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
    /// Key `cache_policy`: TTLs and cache key (default CloudFront's CachingOptimized).
    public var cachePolicy: CachePolicySettings
    /// Key `error_caching_min_ttl`, default 10 seconds: how long origin errors
    /// (403, 404, 500, 502, 503, 504) are cached when the origin gives no
    /// lifetime; 0 does not cache them. Short, so a fixed bucket policy shows at once.
    public var errorCachingMinTTL: Duration
    /// Key `max_object_size`, default 1 GiB: larger objects are served without
    /// being cached.
    public var maxObjectSize: Int
    /// Line of the list item (`- id: ...`), for diagnostics.
    public var line: Int

    public init(
        id: String, hostnames: [String], origin: OriginSettings? = nil,
        cachePolicy: CachePolicySettings = CachePolicySettings(),
        errorCachingMinTTL: Duration = Distribution.defaultErrorCachingMinTTL,
        maxObjectSize: Int = Distribution.defaultMaxObjectSize, line: Int = 0
    ) {
        self.id = id
        self.hostnames = hostnames
        self.origin = origin
        self.cachePolicy = cachePolicy
        self.errorCachingMinTTL = errorCachingMinTTL
        self.maxObjectSize = maxObjectSize
        self.line = line
    }

    public static let defaultErrorCachingMinTTL = Duration.seconds(10)
    public static let defaultMaxObjectSize = 1 << 30
    /// Accepted range of `max_object_size`.
    public static let maxObjectSizeRange = 1...Int.max
}
