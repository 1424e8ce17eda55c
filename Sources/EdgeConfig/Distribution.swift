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
    /// CloudFront's default cache behavior, pattern `*`: the distribution's own `cache_policy`,
    /// `error_caching_min_ttl`, `max_object_size`, `viewer_protocol_policy`, `allowed_methods`
    /// and `restrict_viewer_access` (see `CacheBehavior` for each key's default). It serves
    /// every path no behavior matches, and every behavior starts from it.
    public var defaultBehavior: CacheBehavior
    /// Key `trusted_keys`, default none: public keys whose signatures restricted behaviors accept.
    public var trustedKeys: [TrustedKeySettings]
    /// Key `behaviors`, default none: per-path settings, first match wins (`behavior(forPath:)`).
    public var behaviors: [CacheBehavior]
    /// Line of the list item (`- id: ...`), for diagnostics.
    public var line: Int

    public init(
        id: String, hostnames: [String], origin: OriginSettings? = nil,
        cachePolicy: CachePolicySettings = CachePolicySettings(),
        errorCachingMinTTL: Duration = Distribution.defaultErrorCachingMinTTL,
        maxObjectSize: Int = Distribution.defaultMaxObjectSize,
        trustedKeys: [TrustedKeySettings] = [], behaviors: [CacheBehavior] = [], line: Int = 0
    ) {
        self.id = id
        self.hostnames = hostnames
        self.origin = origin
        self.defaultBehavior = CacheBehavior(
            pathPattern: .everything, cachePolicy: cachePolicy, errorCachingMinTTL: errorCachingMinTTL,
            maxObjectSize: maxObjectSize, line: line)
        self.trustedKeys = trustedKeys
        self.behaviors = behaviors
        self.line = line
    }

    /// Key `cache_policy`: TTLs and cache key (default CloudFront's CachingOptimized).
    public var cachePolicy: CachePolicySettings {
        get { defaultBehavior.cachePolicy }
        set { defaultBehavior.cachePolicy = newValue }
    }

    /// Key `error_caching_min_ttl`, default 10 seconds: how long origin errors
    /// (403, 404, 500, 502, 503, 504) are cached when the origin gives no
    /// lifetime; 0 does not cache them. Short, so a fixed bucket policy shows at once.
    public var errorCachingMinTTL: Duration {
        get { defaultBehavior.errorCachingMinTTL }
        set { defaultBehavior.errorCachingMinTTL = newValue }
    }

    /// Key `max_object_size`, default 1 GiB: larger objects are served without
    /// being cached.
    public var maxObjectSize: Int {
        get { defaultBehavior.maxObjectSize }
        set { defaultBehavior.maxObjectSize = newValue }
    }

    /// The behavior for a request path (without query, percent-decoded: see `PathPattern`):
    /// the first of `behaviors` whose pattern matches, else `defaultBehavior`. Allocation-free.
    public func behavior(forPath path: some StringProtocol) -> CacheBehavior {
        for behavior in behaviors where behavior.pathPattern.matches(path) {
            return behavior
        }
        return defaultBehavior
    }

    public static let defaultErrorCachingMinTTL = Duration.seconds(10)
    public static let defaultMaxObjectSize = 1 << 30
    /// Accepted range of `max_object_size`.
    public static let maxObjectSizeRange = 1...Int.max
}
