/// What a stored entry is worth at the moment of a lookup.
public enum Freshness: Sendable, Equatable, CustomStringConvertible {
    /// Serve it; `age` is the time since it was stored or last revalidated.
    case fresh(age: Duration)
    /// Past its TTL but inside a stale window: serve it now and revalidate in
    /// the background (`canServeWhileRevalidating`), and/or serve it if the
    /// revalidation fails (`canServeIfError`). At least one is true.
    case stale(canServeWhileRevalidating: Bool, canServeIfError: Bool)
    /// Past its TTL and every stale window: ask the origin (conditionally)
    /// before serving.
    case mustRevalidate

    public var description: String {
        switch self {
        case .fresh: return "fresh"
        case .stale(let whileRevalidating, let ifError):
            return "stale (\(whileRevalidating ? "serve while revalidating" : "no stale-while-revalidate"), "
                + "\(ifError ? "serve if error" : "no stale-if-error"))"
        case .mustRevalidate: return "expired"
        }
    }
}

extension CachedResponseMeta {
    /// Freshness at `now`. Fresh while `now` is before `expiresAt`; a clock
    /// that went backwards since storing counts as age zero, not as an error.
    public func freshness(at now: CacheTime) -> Freshness {
        if now < expiresAt { return .fresh(age: max(.zero, now - storedAt)) }
        let staleness = now - expiresAt
        let whileRevalidating = staleness < staleWhileRevalidate
        let ifError = staleness < staleIfError
        guard whileRevalidating || ifError else { return .mustRevalidate }
        return .stale(canServeWhileRevalidating: whileRevalidating, canServeIfError: ifError)
    }

    /// Value of the `Age` header at `now`: whole seconds since the entry was
    /// stored or revalidated (RFC 9111 §5.1), never negative.
    public func age(at now: CacheTime) -> Int64 {
        (now - storedAt).wholeSecondsClampedAtZero
    }
}
