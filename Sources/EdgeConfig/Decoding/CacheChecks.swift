import Yams

/// Cache settings that are each valid but do not work together.
extension ConfigLoader {
    /// A distribution whose `max_object_size` exceeds what the cache keeps (a quarter of
    /// `cache.max_size`) would fetch objects it can never keep: a warning at whichever of the
    /// two keys was written (the distribution's when both were).
    static func cacheWarnings(
        _ configuration: EdgeConfiguration, _ root: MappingReader, _ diagnostics: inout Diagnostics
    ) {
        let maxSize = configuration.cache.maxSize
        let largest = configuration.cache.largestStoredObject
        guard case .sequence(let items)? = root["distributions"]?.node else { return }
        for (distribution, item) in zip(configuration.distributions, items) where distribution.maxObjectSize > largest {
            let written = ConfigEntry(path: "distributions", keyLine: distribution.line, node: item)
                .child("max_object_size")
            guard let line = written?.line ?? root["cache"]?.child("max_size")?.line else { continue }
            let subject = written == nil
                ? "distribution \(distribution.id)'s default max_object_size (\(distribution.maxObjectSize) bytes) is more "
                    + "than the cache keeps: a quarter of cache.max_size (\(maxSize) bytes), \(largest) bytes"
                : "distributions: \(distribution.id)'s max_object_size (\(distribution.maxObjectSize) bytes) is more "
                    + "than the cache keeps: a quarter of cache.max_size (\(maxSize) bytes), \(largest) bytes"
            diagnostics.warning(
                line, "\(subject): objects between the two sizes are fetched but never cached; "
                    + "lower max_object_size or raise cache.max_size")
        }
    }
}
