/// Whether and for how long an origin response is cached: CloudFront's
/// expiration rules, applied by `CachePolicy.storeDecision`.
public enum StoreDecision: Sendable, Equatable {
    /// Cache it. `ttl` may be zero: the entry is then stale at once and every
    /// use revalidates it with a conditional request (cheap with an ETag).
    case store(StoreLifetime)
    /// Pass it to the viewer without caching.
    case doNotStore(DoNotStoreReason)
}

/// How long a stored response is fresh, and how long after that it may still
/// be served stale.
public struct StoreLifetime: Sendable, Equatable {
    public var ttl: Duration
    /// `stale-while-revalidate`: after `ttl`, served stale while one background
    /// revalidation runs. Zero under `must-revalidate` / `proxy-revalidate`.
    public var staleWhileRevalidate: Duration
    /// `stale-if-error`: after `ttl`, served stale when the origin fails.
    /// Zero under `must-revalidate` / `proxy-revalidate`.
    public var staleIfError: Duration

    public init(ttl: Duration, staleWhileRevalidate: Duration = .zero, staleIfError: Duration = .zero) {
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
    }
}

/// Why a response is not cached; each names itself for logs.
public enum DoNotStoreReason: Sendable, Equatable, CustomStringConvertible {
    /// A status CloudFront does not cache (206, 304, 307, 412, 416, 400, ...).
    case statusNotCacheable(Int)
    /// `no-store`, `no-cache` or `private` from the origin with a minimum TTL of 0.
    case originForbids
    /// `Expires` in the past (or invalid) and a minimum TTL of 0.
    case alreadyExpired
    /// An error status with an error-caching minimum TTL of 0 and no lifetime from the origin.
    case errorCachingDisabled
    /// `Content-Length` above the policy's `maxObjectSize`.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .statusNotCacheable(let status): return "status \(status) is not cached"
        case .originForbids: return "the origin forbids caching (no-store, no-cache or private) and min_ttl is 0"
        case .alreadyExpired: return "Expires is in the past and min_ttl is 0"
        case .errorCachingDisabled: return "error_caching_min_ttl is 0"
        case .tooLarge(let length): return "\(length) bytes is more than max_object_size"
        }
    }
}
