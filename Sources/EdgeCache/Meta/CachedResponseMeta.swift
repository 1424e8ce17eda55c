/// Everything about a cached response except its body: what the store keeps
/// under the cache key in LMDB's `meta` database, and what a lookup reads
/// before touching any body chunk.
public struct CachedResponseMeta: Sendable, Equatable {
    /// The origin's status (200, or a cached error such as 404).
    public var status: Int
    /// Response header fields to replay to viewers, already filtered (no
    /// hop-by-hop fields, no S3 internals), in the origin's order.
    public var headers: [(name: String, value: String)]
    /// Length of the whole body in bytes.
    public var bodyLength: Int
    /// The origin's `ETag`, as sent (quotes included), for revalidation and
    /// viewer `If-None-Match`.
    public var entityTag: String?
    /// The origin's `Last-Modified`, as sent.
    public var lastModified: String?
    /// When the response was stored or last revalidated: the origin of `Age`.
    public var storedAt: CacheTime
    /// When it stops being fresh: `storedAt` plus the TTL.
    public var expiresAt: CacheTime
    /// After `expiresAt`, how long it may be served while revalidating.
    public var staleWhileRevalidate: Duration
    /// After `expiresAt`, how long it may be served when the origin fails.
    public var staleIfError: Duration
    /// Bytes per body chunk (the last chunk may be shorter).
    public var chunkSize: Int
    /// The invalidation log's sequence number when the entry was stored: an
    /// invalidation with a higher number that matches the path hides it.
    public var invalidationSequence: UInt64

    /// Chunk size used when the caller has no reason to choose another:
    /// large enough that a chunk read is one LMDB lookup for most objects,
    /// small enough that a fill holds little memory.
    public static let defaultChunkSize = 256 * 1024

    public init(
        status: Int,
        headers: [(name: String, value: String)],
        bodyLength: Int,
        entityTag: String? = nil,
        lastModified: String? = nil,
        storedAt: CacheTime,
        lifetime: StoreLifetime,
        chunkSize: Int = CachedResponseMeta.defaultChunkSize,
        invalidationSequence: UInt64 = 0
    ) {
        self.status = status
        self.headers = headers
        self.bodyLength = bodyLength
        self.entityTag = entityTag
        self.lastModified = lastModified
        self.storedAt = storedAt
        self.expiresAt = storedAt + lifetime.ttl
        self.staleWhileRevalidate = lifetime.staleWhileRevalidate
        self.staleIfError = lifetime.staleIfError
        self.chunkSize = chunkSize
        self.invalidationSequence = invalidationSequence
    }

    /// Number of body chunks: 0 for an empty body. Computed without
    /// `bodyLength + chunkSize - 1`, which a hostile record could overflow.
    public var chunkCount: Int {
        guard chunkSize > 0, bodyLength > 0 else { return 0 }
        return bodyLength / chunkSize + (bodyLength % chunkSize == 0 ? 0 : 1)
    }

    public static func == (lhs: CachedResponseMeta, rhs: CachedResponseMeta) -> Bool {
        lhs.status == rhs.status
            && lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
            && lhs.bodyLength == rhs.bodyLength && lhs.entityTag == rhs.entityTag
            && lhs.lastModified == rhs.lastModified && lhs.storedAt == rhs.storedAt
            && lhs.expiresAt == rhs.expiresAt && lhs.staleWhileRevalidate == rhs.staleWhileRevalidate
            && lhs.staleIfError == rhs.staleIfError && lhs.chunkSize == rhs.chunkSize
            && lhs.invalidationSequence == rhs.invalidationSequence
    }
}
