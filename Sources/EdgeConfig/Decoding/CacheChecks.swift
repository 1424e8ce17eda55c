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
        for (distribution, item) in zip(configuration.distributions, items) {
            behaviorWarnings(distribution, item: item, largest: largest, maxSize: maxSize, &diagnostics)
        }
    }

    /// The same for a behavior that writes its own larger `max_object_size` (one that inherits
    /// the distribution's was covered above). The list decoded cleanly, so items and behaviors align.
    private static func behaviorWarnings(
        _ distribution: Distribution, item: Node, largest: Int, maxSize: Int, _ diagnostics: inout Diagnostics
    ) {
        let entry = ConfigEntry(path: "distributions", keyLine: distribution.line, node: item)
        guard case .sequence(let items)? = entry.child("behaviors")?.node else { return }
        for (behavior, behaviorItem) in zip(distribution.behaviors, items) where behavior.maxObjectSize > largest {
            let behaviorEntry = ConfigEntry(path: "behaviors", keyLine: behavior.line, node: behaviorItem)
            guard let written = behaviorEntry.child("max_object_size") else { continue }
            diagnostics.warning(
                written.line,
                "distributions: \(distribution.id)'s behavior \(behavior.pathPattern) has max_object_size "
                    + "\(behavior.maxObjectSize) bytes, more than the cache keeps: a quarter of cache.max_size "
                    + "(\(maxSize) bytes), \(largest) bytes: objects between the two sizes are fetched but never cached; "
                    + "lower max_object_size or raise cache.max_size")
        }
    }
}
