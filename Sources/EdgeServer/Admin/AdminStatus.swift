import Foundation

/// `/status`: what an operator checks first, as JSON.
struct AdminStatus: Encodable {
    struct Cache: Encodable {
        var path: String
        var entries: Int
        var usedBytes: Int
        var maxBytes: Int
        var evictedEntries: Int
        var activeInvalidationRules: Bool
        /// "none", "kms" or "key_file".
        var encryption: String
        /// The data key new entries are sealed with (8 hex digits); nil in clear or while KMS
        /// has not answered (the cache passes requests through meanwhile).
        var keyID: String?
        var available: Bool

        enum CodingKeys: String, CodingKey {
            case path, entries, encryption, available
            case keyID = "key_id"
            case usedBytes = "used_bytes"
            case maxBytes = "max_bytes"
            case evictedEntries = "evicted_entries"
            case activeInvalidationRules = "invalidation_rules_active"
        }
    }

    struct DistributionSummary: Encodable {
        var id: String
        var hostnames: [String]
        var origin: String?
        var invalidations: Int
    }

    var version: String
    var uptimeSeconds: Int64
    var configurationGeneration: Int
    var listen: [String]
    var cache: Cache
    var distributions: [DistributionSummary]

    enum CodingKeys: String, CodingKey {
        case version, listen, cache, distributions
        case uptimeSeconds = "uptime_seconds"
        case configurationGeneration = "configuration_generation"
    }

    init(admin: AdminContext) {
        let runtime = admin.slot.current
        let usage = runtime.cache.store.usage
        let configuration = runtime.configuration
        version = s3edgeVersion
        uptimeSeconds = (ContinuousClock.now - admin.startedAt).components.seconds
        configurationGeneration = runtime.generation
        listen = configuration.listen.https.map { "https://\($0)" } + configuration.listen.http.map { "http://\($0)" }
        cache = Cache(
            path: runtime.cache.store.configuration.path, entries: usage.entryCount, usedBytes: usage.usedBytes,
            maxBytes: usage.maxSize, evictedEntries: usage.evictedEntries,
            activeInvalidationRules: runtime.cache.invalidations.hasActiveRules,
            encryption: configuration.cache.encryption.modeName,
            keyID: runtime.cache.keyring?.currentID?.keyIDText, available: runtime.cache.isAvailable
        )
        distributions = configuration.distributions.map { distribution in
            DistributionSummary(
                id: distribution.id, hostnames: distribution.hostnames,
                origin: distribution.origin.map { "s3://\($0.bucket) (\($0.region))" },
                invalidations: runtime.cache.invalidations.invalidations(distributionID: distribution.id).count
            )
        }
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)).map { $0 + "\n" } ?? "{}\n"
    }
}
