/// A cryptographic hash for cache keys too long to be LMDB keys.
///
/// EdgeCache has no crypto of its own (no OpenSSL, by design); the server
/// passes one backed by EdgeTLS's SHA-256. It must be collision-resistant: two
/// requests whose long keys collide would be served each other's objects, so a
/// fast non-cryptographic hash (FNV, SipHash with a fixed key) is not enough.
public protocol CacheKeyHasher: Sendable {
    /// The digest of `bytes`: 32 bytes for SHA-256; at most
    /// `CacheKeyHasherLimits.maximumDigestLength` bytes are used.
    func digest(_ bytes: [UInt8]) -> [UInt8]
}

enum CacheKeyHasherLimits {
    /// Longest digest kept in a key (SHA-512's length), so a hashed key keeps
    /// at least 433 bytes of host and path.
    static let maximumDigestLength = 64
}
