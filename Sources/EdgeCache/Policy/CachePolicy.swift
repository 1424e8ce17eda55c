/// How one distribution caches: CloudFront's cache policy (TTLs and what goes
/// into the cache key) plus the error-caching TTL and the largest cacheable
/// object. The defaults are CloudFront's managed policy "CachingOptimized", the
/// one CloudFront recommends for S3 origins.
public struct CachePolicy: Sendable, Equatable {
    /// Shortest time an object is cached, even when the origin says `no-cache`,
    /// `no-store`, `private` or `max-age=0` (CloudFront's Minimum TTL). 0 lets
    /// the origin's "do not cache" directives win.
    public var minTTL: Duration
    /// TTL when the origin sends neither `Cache-Control` max-age/s-maxage nor
    /// `Expires` (CloudFront's Default TTL).
    public var defaultTTL: Duration
    /// Longest time an object is cached whatever the origin says (CloudFront's
    /// Maximum TTL).
    public var maxTTL: Duration
    /// Which query parameters become part of the cache key.
    public var queryStrings: CacheKeySelection
    /// Request headers whose values become part of the cache key: lower-cased,
    /// sorted and without duplicates, so the key does not depend on how the
    /// list was written.
    public var headers: [String] {
        get { normalizedHeaders }
        set { normalizedHeaders = Array(Set(newValue.map { $0.lowercased() })).sorted() }
    }
    /// Which cookies become part of the cache key.
    public var cookies: CacheKeySelection
    /// How long a cacheable error (`cachedErrorStatuses`) is cached when the
    /// origin gives no lifetime (CloudFront's Error Caching Minimum TTL); 0 does
    /// not cache such errors. Short by default so a fixed bucket or key policy
    /// shows within seconds.
    public var errorCachingMinTTL: Duration
    /// Largest body stored, in bytes; larger objects are streamed through
    /// without being cached (CloudFront's own limit is 50 GB).
    public var maxObjectSize: Int

    private var normalizedHeaders: [String] = []

    public init(
        minTTL: Duration = .seconds(1),
        defaultTTL: Duration = .seconds(86400),
        maxTTL: Duration = .seconds(31_536_000),
        queryStrings: CacheKeySelection = .none,
        headers: [String] = [],
        cookies: CacheKeySelection = .none,
        errorCachingMinTTL: Duration = .seconds(10),
        maxObjectSize: Int = 1 << 30
    ) {
        self.minTTL = minTTL
        self.defaultTTL = defaultTTL
        self.maxTTL = maxTTL
        self.queryStrings = queryStrings
        self.cookies = cookies
        self.errorCachingMinTTL = errorCachingMinTTL
        self.maxObjectSize = maxObjectSize
        self.headers = headers
    }

    /// CloudFront's managed "CachingOptimized" policy: 1 s / 1 day / 1 year,
    /// nothing but host and path in the key.
    public static let cachingOptimized = CachePolicy()

    /// Origin error statuses cached for `errorCachingMinTTL`: the ones a
    /// misconfigured or overloaded S3 origin produces (403 AccessDenied and KMS
    /// denials, 404 NoSuchKey, 500/502/503/504). CloudFront also caches 400, 405,
    /// 414 and 501; an S3 origin answers those only to requests s3edge does not
    /// send, so they are passed through uncached instead.
    public static let cachedErrorStatuses: Set<Int> = [403, 404, 500, 502, 503, 504]

    /// Successful statuses cached with the normal TTL rules: RFC 9111's
    /// "heuristically cacheable" codes that are not errors. 206 is absent: a
    /// partial body is not the object, so fills always fetch the whole object.
    public static let cachedSuccessStatuses: Set<Int> = [200, 203, 300, 301, 410]
}

/// Which query parameters or cookies are part of the cache key (CloudFront's
/// "none", "all" and "allowList" behaviours). What is not in the key does not
/// split the cache: two requests differing only there share one entry.
public enum CacheKeySelection: Sendable, Hashable {
    /// Nothing: `?v=1` and `?v=2` are the same object.
    case none
    /// Every parameter or cookie, sorted by name then value.
    case all
    /// Only these names (case-sensitive, as CloudFront compares them).
    case allowList([String])

    func selects(_ name: some Collection<UInt8>) -> Bool {
        switch self {
        case .none: return false
        case .all: return true
        case .allowList(let names): return names.contains { $0.utf8.elementsEqual(name) }
        }
    }
}
