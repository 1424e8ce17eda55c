import Glibc
import Synchronization

/// Signatures that verified, with the policy they signed, so a URL or cookie that many requests
/// reuse costs one public-key operation rather than one per request (RSA-2048 verification takes
/// tens of microseconds, several times the rest of the work).
///
/// An entry says only "this key signed these bytes": that stays true for as long as the key is
/// trusted, and the store holding the cache is replaced with its keys. The policy's conditions
/// (time, address, resource) are still checked on every request, so a cached entry never
/// extends an expired grant or lets another address in. The key is what the signed message and
/// the signature are made from, as the viewer sent them (percent-decoded, still in CloudFront's
/// base64; a canned policy's resource and `Expires` rather than the statement built from them),
/// so that a hit decodes and builds nothing: the message is a function of these bytes, so equal
/// bytes mean an equal message. With the key id and the hash algorithm, compared exactly; nothing
/// is ever matched by digest.
///
/// Bounded: eight shards (picked by signature bytes, so threads rarely meet on a lock), each an
/// approximate LRU of two generations. Lookups move an entry from the old generation into the
/// current one; when the current one is full it becomes the old one and the previous old one is
/// dropped. Only entries whose message parts add up to at most `maximumMessageBytes` are kept, so
/// an entry holds at most about 5 KiB (an RSA-2048 URL's, under 1 KiB).
final class VerificationCache: Sendable {
    static let maximumMessageBytes = 2048
    static let shardCount = 8

    struct Key: Hashable, Sendable {
        var keyID: String
        var hash: HashAlgorithm
        var kind: Grant.PolicyKind
        /// The `Signature` value, percent-decoded, in CloudFront's base64.
        var signature: ArraySlice<UInt8>
        /// Canned: the `Expires` value; custom: the `Policy` value (percent-decoded, in
        /// CloudFront's base64).
        var policy: ArraySlice<UInt8>
        /// Canned: the resource URL (with `Expires`, it makes the signed statement); custom:
        /// empty, the policy names its resources.
        var resource: ArraySlice<UInt8>

        /// What the signed message is made of, in bytes (the cache's size limit).
        var messageCount: Int { policy.count + resource.count }

        /// Up to 32 bytes from the middle of the signature (unpredictable, so they spread the
        /// entries; `==` compares the rest), and the message's length.
        func hash(into hasher: inout Hasher) {
            signature.withUnsafeBytes { bytes in
                let start = max(0, bytes.count / 2 - 16)
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<min(bytes.count, start + 32)]))
            }
            hasher.combine(messageCount)
            hasher.combine(hash)
        }

        /// Everything compared, the byte arrays with `memcmp` (`Array`'s `==` goes a byte at a
        /// time).
        static func == (a: Key, b: Key) -> Bool {
            a.hash == b.hash && a.kind == b.kind && a.keyID == b.keyID
                && same(a.signature, b.signature) && same(a.policy, b.policy) && same(a.resource, b.resource)
        }

        private static func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
            a.count == b.count && a.withUnsafeBytes { a in
                b.withUnsafeBytes { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            }
        }

        /// Bytes from the middle of the signature's text: it ends in padding (`__` for RSA-2048),
        /// and its first character holds the top bits, which an RSA modulus biases.
        var shardSeed: Int? {
            guard !signature.isEmpty else { return nil }
            let start = signature.startIndex
            return Int(signature[start + signature.count / 2]) &+ 7 &* Int(signature[start + signature.count / 3])
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

    /// Keeps `statement` under a copy of `key` holding only its own bytes (a lookup's key may be
    /// slices of a larger buffer).
    func insert(_ key: Key, _ statement: PolicyStatement) {
        guard key.messageCount <= VerificationCache.maximumMessageBytes, let shard = shard(for: key) else { return }
        var own = key
        own.signature = ArraySlice(Array(key.signature))
        own.policy = ArraySlice(Array(key.policy))
        own.resource = ArraySlice(Array(key.resource))
        shard.state.withLock { $0.insert(own, statement) }
    }

    private func shard(for key: Key) -> Shard? {
        guard !shards.isEmpty, let seed = key.shardSeed else { return nil }
        return shards[seed % shards.count]
    }
}
