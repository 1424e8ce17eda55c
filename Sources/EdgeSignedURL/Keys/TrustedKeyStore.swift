/// A distribution's trusted keys by Key-Pair-Id, with the cache of signatures they verified.
///
/// Immutable: a configuration reload builds a new store, which starts with an empty cache, so a
/// removed or replaced key stops verifying anything at once. Shared by every event loop.
public final class TrustedKeyStore: Sendable {
    /// Verified signatures remembered per store, by default. Each entry holds the signature and
    /// what the signed bytes are made of, as sent (at most `VerificationCache.maximumMessageBytes`),
    /// and the parsed policy.
    public static let defaultCacheCapacity = 4096

    /// The keys, in the order given.
    public let keys: [TrustedKey]
    private let byID: [String: TrustedKey]
    let cache: VerificationCache

    /// Fails on two keys with one id. `cacheCapacity` 0 turns the verification cache off.
    public init(_ keys: [TrustedKey], cacheCapacity: Int = TrustedKeyStore.defaultCacheCapacity) throws(TrustedKeyError) {
        var byID: [String: TrustedKey] = [:]
        for key in keys {
            guard byID.updateValue(key, forKey: key.id) == nil else {
                throw TrustedKeyError(keyID: key.id, source: "trusted_keys", reason: .duplicateID)
            }
        }
        self.keys = keys
        self.byID = byID
        cache = VerificationCache(capacity: cacheCapacity)
    }

    public func key(id: String) -> TrustedKey? { byID[id] }

    /// The RSA keys under 2048 bits, for a `check-config` warning.
    public var weakKeys: [TrustedKey] { keys.filter(\.isWeak) }

    /// How many verified signatures the cache holds now.
    public var cachedVerifications: Int { cache.count }
}
