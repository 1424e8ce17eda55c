/// Why a fill, delete or flush did not happen.
public enum CacheStoreError: Error, Hashable, CustomStringConvertible {
    /// No room, even after eviction (the body is larger than the budget, or fills in progress
    /// hold it all): serve the response uncached.
    case full
    /// Empty, or longer than ``CacheStoreConfiguration/maxKeyLength``.
    case unusableKey(length: Int)
    /// A delete, prefix delete or sweep covering this key was queued after the fill began; its
    /// body may predate the invalidation, so it is not stored.
    case invalidated
    /// The writer is behind by more than ``CacheStoreConfiguration/maxQueuedBytes``.
    case overloaded
    /// The fill was aborted, or committed twice.
    case aborted
    /// The store was closed.
    case closed
    /// LMDB failed (an I/O error, for instance).
    case storage(LMDBError)
    /// The store is encrypted and its keyring has no data key yet.
    case keyUnavailable

    public var description: String {
        switch self {
        case .full: "the cache is full even after eviction; the response is served uncached"
        case .unusableKey(let length): "a cache key of \(length) bytes cannot be stored (1...\(CacheStoreConfiguration.maxKeyLength) bytes)"
        case .invalidated: "an invalidation covering the key arrived while the body was being stored"
        case .overloaded: "the cache writer is behind; the response is served uncached"
        case .aborted: "the fill was aborted"
        case .closed: "the cache store is closed"
        case .storage(let error): "the cache store failed: \(error)"
        case .keyUnavailable: "the cache's data key is not available yet; the response is served uncached"
        }
    }

    init(_ error: LMDBError) {
        self = error.isMapFull ? .full : .storage(error)
    }
}
