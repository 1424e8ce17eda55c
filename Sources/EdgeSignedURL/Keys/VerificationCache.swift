import Synchronization

/// Signatures that verified, with the policy they signed, so a URL or cookie that many requests
/// reuse costs one public-key operation rather than one per request (RSA-2048 verification takes
/// tens of microseconds, several times the rest of the work).
///
/// An entry says only "this key signed these bytes": that stays true for as long as the key is
/// trusted, and the store holding the cache is replaced with its keys. The policy's conditions
/// (time, address, resource) are still checked on every request, so a cached entry never
/// extends an expired grant or lets another address in. The key is the exact signed bytes, the
/// exact signature, the key id and the hash algorithm; nothing is ever matched by digest.
///
/// Bounded: eight shards (picked by a signature byte, so threads rarely meet on a lock), each an
/// approximate LRU of two generations. Lookups move an entry from the old generation into the
/// current one; when the current one is full it becomes the old one and the previous old one is
/// dropped. Only entries whose signed bytes are at most `maximumMessageBytes` are kept, so the
/// cache holds at most about `capacity` × 2.5 KiB.
final class VerificationCache: Sendable {
    static let maximumMessageBytes = 2048
    static let shardCount = 8

    struct Key: Hashable, Sendable {
        var keyID: String
        var hash: HashAlgorithm
        var signature: [UInt8]
        var message: [UInt8]

        /// The signature's bytes in bulk (they are unpredictable, so they spread the entries),
        /// and the message's length; `==` compares everything. `Array`'s own `hash(into:)`
        /// feeds the hasher a byte at a time, several times slower for 256 bytes.
        func hash(into hasher: inout Hasher) {
            signature.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(message.count)
            hasher.combine(hash)
        }
    }

    private struct Generations {
        var current: [Key: PolicyStatement] = [:]
        var previous: [Key: PolicyStatement] = [:]
        let generationSize: Int

        mutating func insert(_ key: Key, _ statement: PolicyStatement) {
            current[key] = statement
            if current.count >= generationSize {
                previous = current
                current = [:]
            }
        }
    }

    private final class Shard: Sendable {
        let state: Mutex<Generations>

        init(generationSize: Int) {
            state = Mutex(Generations(generationSize: generationSize))
        }
    }

    private let shards: [Shard]

    init(capacity: Int) {
        let perShard = capacity / VerificationCache.shardCount
        shards = perShard >= 2
            ? (0..<VerificationCache.shardCount).map { _ in Shard(generationSize: perShard / 2) }
            : []
    }

    var count: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.current.count + $0.previous.count } }
    }

    func lookup(_ key: Key) -> PolicyStatement? {
        guard let shard = shard(for: key) else { return nil }
        return shard.state.withLock { state in
            if let statement = state.current[key] { return statement }
            guard let statement = state.previous.removeValue(forKey: key) else { return nil }
            state.insert(key, statement)
            return statement
        }
    }

    func insert(_ key: Key, _ statement: PolicyStatement) {
        guard key.message.count <= VerificationCache.maximumMessageBytes, let shard = shard(for: key) else { return }
        shard.state.withLock { $0.insert(key, statement) }
    }

    private func shard(for key: Key) -> Shard? {
        guard !shards.isEmpty, let last = key.signature.last else { return nil }
        return shards[Int(last) % shards.count]
    }
}
