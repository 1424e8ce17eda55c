/// A distribution's caching keys: `cache_policy`, `error_caching_min_ttl`
/// and `max_object_size`.
struct DistributionCaching {
    static let keys = ["cache_policy", "error_caching_min_ttl", "max_object_size"]

    var cachePolicy = CachePolicySettings()
    var errorCachingMinTTL = Distribution.defaultErrorCachingMinTTL
    var maxObjectSize = Distribution.defaultMaxObjectSize

    /// Reads the keys from a distribution's mapping; absent keys keep their defaults.
    static func decode(_ reader: MappingReader, _ diagnostics: inout Diagnostics) -> DistributionCaching {
        var caching = DistributionCaching()
        if let policy = reader["cache_policy"].flatMap({ CachePolicySettings.decode($0, &diagnostics) }) {
            caching.cachePolicy = policy
        }
        caching.errorCachingMinTTL = reader["error_caching_min_ttl"]?.ttl(&diagnostics) ?? caching.errorCachingMinTTL
        caching.maxObjectSize = reader["max_object_size"]?
            .size(in: Distribution.maxObjectSizeRange, &diagnostics) ?? caching.maxObjectSize
        return caching
    }
}
