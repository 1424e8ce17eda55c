internal import EdgeTLS
import Synchronization

/// Signing keys, derived once per (secret, date, region, service) and shared by every event loop.
///
/// The derivation is four chained HMACs (`AWS4`+secret → date → region → service →
/// `aws4_request`); the key then serves every request of that UTC day. The cache holds a few
/// entries: when full, entries for other days go first, then all of them.
public final class SigningKeyCache: Sendable {
    struct Scope: Hashable, Sendable {
        var secretAccessKey: String
        var date: String
        var region: String
        var service: String
    }

    private struct Storage: Sendable {
        var keys: [Scope: [UInt8]] = [:]
        var derivations = 0
    }

    /// How many keys are kept; a few cover a day rollover and a credential rotation.
    public let capacity: Int
    private let storage = Mutex(Storage())

    public init(capacity: Int = 8) {
        precondition(capacity > 0, "a signing key cache needs room for at least one key")
        self.capacity = capacity
    }

    /// The signing key for `scope`, derived at most once while it stays cached.
    func signingKey(for scope: Scope) -> [UInt8] {
        if let key = storage.withLock({ $0.keys[scope] }) {
            return key
        }
        // Derived outside the lock: two threads missing at once both derive the same bytes.
        let key = Self.derive(scope)
        storage.withLock { storage in
            if storage.keys.count >= capacity {
                storage.keys = storage.keys.filter { $0.key.date == scope.date }
                if storage.keys.count >= capacity { storage.keys.removeAll() }
            }
            storage.keys[scope] = key
            storage.derivations += 1
        }
        return key
    }

    /// How many keys this cache has derived since it was made (for tests and metrics).
    var derivationCount: Int { storage.withLock { $0.derivations } }

    static func derive(_ scope: Scope) -> [UInt8] {
        let dateKey = HMACSHA256.authenticationCode(key: Array(("AWS4" + scope.secretAccessKey).utf8), message: scope.date.utf8)
        let regionKey = HMACSHA256.authenticationCode(key: dateKey, message: scope.region.utf8)
        let serviceKey = HMACSHA256.authenticationCode(key: regionKey, message: scope.service.utf8)
        return HMACSHA256.authenticationCode(key: serviceKey, message: "aws4_request".utf8)
    }
}
