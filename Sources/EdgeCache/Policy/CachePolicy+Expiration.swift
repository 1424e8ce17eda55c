/// CloudFront's expiration rules ("Manage how long content stays in the cache
/// (expiration)" and "Control how long CloudFront caches errors" in the
/// CloudFront Developer Guide), one function. The tests quote each rule.
extension CachePolicy {
    /// Decides whether a response with this status and these headers is
    /// cached, and for how long.
    public func storeDecision(
        status: Int, headers: some Sequence<(name: String, value: String)>, now: CacheTime
    ) -> StoreDecision {
        storeDecision(status: status, freshness: OriginFreshnessHeaders(headers: headers), now: now)
    }

    /// The rules, in CloudFront's order:
    /// - a body larger than `maxObjectSize` is not cached;
    /// - a cached error status (`cachedErrorStatuses`) lives for the greater of
    ///   the origin's lifetime (s-maxage, max-age or Expires; at most `maxTTL`)
    ///   and `errorCachingMinTTL`; without such a lifetime (or with only
    ///   `no-cache`/`no-store`/`private`), for `errorCachingMinTTL`;
    /// - other statuses than `cachedSuccessStatuses` are not cached;
    /// - `no-store`, `no-cache`, `private`: not cached when `minTTL` is 0,
    ///   cached for `minTTL` otherwise;
    /// - `s-maxage` wins over `max-age`, which wins over `Expires`; the result
    ///   is clamped to [`minTTL`, `maxTTL`];
    /// - an `Expires` in the past (or invalid) with `minTTL` 0 is not cached;
    /// - no lifetime from the origin: `defaultTTL`.
    public func storeDecision(status: Int, freshness: OriginFreshnessHeaders, now: CacheTime) -> StoreDecision {
        if let length = freshness.contentLength, length > maxObjectSize {
            return .doNotStore(.tooLarge(length))
        }
        if Self.cachedErrorStatuses.contains(status) {
            return errorDecision(freshness, now: now)
        }
        guard Self.cachedSuccessStatuses.contains(status) else {
            return .doNotStore(.statusNotCacheable(status))
        }
        let directives = freshness.cacheControl
        if directives.noStore || directives.noCache || directives.isPrivate {
            return minTTL > .zero ? .store(StoreLifetime(ttl: minTTL)) : .doNotStore(.originForbids)
        }
        guard let lifetime = freshness.originLifetime(now: now) else {
            return .store(lifetimeWithStaleWindows(clamped(defaultTTL), directives))
        }
        if !directives.hasExplicitLifetime, lifetime <= .zero, minTTL == .zero {
            return .doNotStore(.alreadyExpired)
        }
        return .store(lifetimeWithStaleWindows(clamped(lifetime), directives))
    }

    private func errorDecision(_ freshness: OriginFreshnessHeaders, now: CacheTime) -> StoreDecision {
        var ttl = errorCachingMinTTL
        if let lifetime = freshness.originLifetime(now: now) {
            ttl = max(min(lifetime, maxTTL), errorCachingMinTTL)
        }
        return ttl > .zero ? .store(StoreLifetime(ttl: ttl)) : .doNotStore(.errorCachingDisabled)
    }

    private func clamped(_ lifetime: Duration) -> Duration {
        min(max(lifetime, minTTL), maxTTL)
    }

    /// Stale windows come from the origin's directives; `must-revalidate` and
    /// `proxy-revalidate` forbid serving stale at all (RFC 9111 §4.2.4).
    private func lifetimeWithStaleWindows(_ ttl: Duration, _ directives: CacheControl) -> StoreLifetime {
        guard !directives.mustRevalidate, !directives.proxyRevalidate else { return StoreLifetime(ttl: ttl) }
        return StoreLifetime(
            ttl: ttl,
            staleWhileRevalidate: .seconds(directives.staleWhileRevalidate ?? 0),
            staleIfError: .seconds(directives.staleIfError ?? 0))
    }
}
