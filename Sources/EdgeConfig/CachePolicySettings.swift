/// Key `cache_policy` of a distribution: CloudFront's cache policy, i.e. how
/// long objects are cached and what identifies one object. Every key is
/// optional; the defaults are CloudFront's managed "CachingOptimized" policy.
/// The server maps this onto EdgeCache's `CachePolicy` (EdgeConfig does not
/// depend on EdgeCache).
public struct CachePolicySettings: Sendable, Equatable {
    /// `min_ttl`, default 1 second: shortest caching time, even when the origin
    /// says `no-cache`, `no-store`, `private` or `max-age=0`. 0 lets those win.
    public var minTTL: Duration
    /// `default_ttl`, default 86400 seconds (one day; or `min_ttl` if larger):
    /// used when the origin sends neither `Cache-Control` max-age/s-maxage nor `Expires`.
    public var defaultTTL: Duration
    /// `max_ttl`, default 31536000 seconds (one year; or `default_ttl` if
    /// larger): longest caching time whatever the origin says.
    public var maxTTL: Duration
    /// `query_strings`, default none: query parameters in the cache key.
    public var queryStrings: CacheKeyItems
    /// `headers`, default none: request headers (lower-cased) in the cache key.
    public var headers: [String]
    /// `cookies`, default none: cookies in the cache key.
    public var cookies: CacheKeyItems
    /// Line of the `cache_policy:` key, for diagnostics; 0 when absent.
    public var line: Int

    public init(
        minTTL: Duration = .seconds(1),
        defaultTTL: Duration = .seconds(86400),
        maxTTL: Duration = .seconds(31_536_000),
        queryStrings: CacheKeyItems = .none,
        headers: [String] = [],
        cookies: CacheKeyItems = .none,
        line: Int = 0
    ) {
        self.minTTL = minTTL
        self.defaultTTL = defaultTTL
        self.maxTTL = maxTTL
        self.queryStrings = queryStrings
        self.headers = headers
        self.cookies = cookies
        self.line = line
    }

    /// Largest TTL CloudFront accepts: 100 years, in seconds.
    public static let ttlRange: ClosedRange<Int64> = 0...3_153_600_000
}

/// Which query parameters or cookies are part of the cache key: `none`,
/// `all`, or a list of names (CloudFront's allow list), case-sensitive.
public enum CacheKeyItems: Sendable, Equatable {
    case none
    case all
    case allowList([String])
}
