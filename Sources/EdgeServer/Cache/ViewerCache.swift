import EdgeCache
import EdgeConfig
import EdgeOrigin
import EdgeStore
import EdgeTLS
import Logging
import NIOCore
import Synchronization

/// The process-wide edge cache: the LMDB store, one reader per event loop, and the fills in
/// progress (one origin fetch per cache key at a time). Opened once at start and kept across
/// reloads; `cache.path` and `cache.max_size` changes take effect on restart.
public final class ViewerCache: Sendable {
    let store: LMDBCacheStore
    let logger: Logger
    /// Fills in progress by cache key. A fill stays here until its entry is committed (or it
    /// failed), so requests arriving between the last body byte and the commit still join it
    /// instead of starting a second origin fetch.
    let fills = Mutex<[[UInt8]: CacheFill]>([:])
    /// How many fills have left `fills` on their own (committed, or failed), bumped under its
    /// lock once the commit is visible. A request reads it before its lookup: if it changed by
    /// the time the request finds no fill, the fill it missed may have just committed, so it
    /// looks again rather than start a second origin fetch (see `ViewerRequestHandler`).
    let fillsEnded = Atomic<UInt64>(0)
    /// CloudFront invalidations: checked at every lookup, persisted beside the cache files.
    let invalidations: InvalidationEngine
    private let readers: LoopReaders
    /// Encryption at rest: nil stores in clear; otherwise nothing is read or stored until it
    /// holds a key (``CacheKeyManager``), and requests pass through to the origin meanwhile.
    var keyring: StoreKeyring? { keys?.keyring }
    /// Where the keyring's keys come from, for `rotate-key` and `/status`; nil in clear.
    let keys: CacheKeyManager?
    private let unreadableEntries: @Sendable () -> Void

    /// Opens (or creates, or rebuilds) the store under `settings`, with one reader for each loop
    /// of `loops`. Blocks on disk I/O: call it at start, not on an event loop.
    ///
    /// `keys` (mode `kms` or `key_file`) provides the keyring that seals what is stored; nil
    /// stores in clear. `unreadableEntries` counts entries dropped because they failed to open
    /// (the metric). Call `keys.start` afterwards, with ``startupReport``.
    public init(settings: CacheSettings, loops: [any EventLoop], keys: CacheKeyManager? = nil, logger: Logger,
                unreadableEntries: @escaping @Sendable () -> Void = {}) throws(ViewerCacheOpenError) {
        let keyring = keys?.keyring
        var configuration = CacheStoreConfiguration(path: settings.path, maxSize: settings.maxSize)
        configuration.maxReaders = loops.count + 4
        configuration.maxEntrySize = settings.largestStoredObject
        configuration.keyring = keyring
        self.keys = keys
        self.unreadableEntries = unreadableEntries
        let store: LMDBCacheStore
        do {
            store = try LMDBCacheStore(configuration: configuration, logger: logger)
            invalidations = try InvalidationEngine(directory: settings.path, logger: logger)
        } catch let error as CacheStoreOpenError {
            throw .store(error)
        } catch let error as InvalidationLogError {
            throw .invalidationLog(error)
        } catch {
            preconditionFailure("unexpected error opening the cache: \(error)")
        }
        self.store = store
        self.logger = logger
        readers = LoopReaders(loops.map { (ObjectIdentifier($0), store.makeReader()) })
        let report = store.startupReport
        if let line = report.rebuildLogLine { logger.error("\(line)") }
        logger.info("cache opened", metadata: [
            "path": "\(report.path)", "entries": "\(report.entryCount)", "used_bytes": "\(report.usedBytes)",
            "max_size": "\(settings.maxSize)",
        ])
        if report.droppedEntries > 0 || report.orphanChunksRemoved > 0 {
            logger.notice("cache recovered from an interrupted run", metadata: [
                "dropped_entries": "\(report.droppedEntries)", "orphan_chunks_removed": "\(report.orphanChunksRemoved)",
            ])
        }
    }

    /// Whether requests may use the cache: stored in clear, or the data key is installed.
    var isAvailable: Bool { keyring?.isReady ?? true }

    /// What the store found at open (entries per data key, for ``CacheKeyManager``).
    public var startupReport: StartupReport { store.startupReport }

    /// The reader of the loop the caller runs on.
    func reader(on loop: any EventLoop) -> StoreReader {
        loop.preconditionInEventLoop()
        return readers.slot(for: loop).reader
    }

    /// The committed entry for `key` with its metadata, or nil. An entry that cannot be read is
    /// logged and treated as absent: the fill that follows replaces it.
    ///
    /// The metadata of recently served entries is kept decoded per loop (by key and generation:
    /// a refill or a 304 refresh makes a new generation or new metadata bytes), so a hit costs one
    /// `mdb_get` and no decoding; in an encrypted store, no opening either while the sealed record
    /// is byte for byte the one opened before.
    ///
    /// An entry an invalidation of `distributionID` hides is absent: the fill that follows
    /// replaces it.
    func lookup(_ key: [UInt8], distributionID: String, on loop: any EventLoop) -> StoredObject? {
        loop.preconditionInEventLoop()
        let slot = readers.slot(for: loop)
        do {
            let hot = slot.remembered(key)
            guard let entry = try slot.reader.lookup(key, reusing: hot?.entry) else { return nil }
            // Sealed: the first segment must open before a response starts, so that an entry
            // altered on disk is fetched again rather than cut off after its head.
            guard try slot.reader.checkFirstSegment(of: entry) else { return nil }
            let found: StoredObject
            if let hot, hot.entry == entry {
                found = hot
            } else {
                found = StoredObject(entry: entry, meta: try CachedResponseMeta(decoding: entry.meta))
                slot.remember(found)
            }
            if invalidations.isHidden(key: key, sequence: found.meta.invalidationSequence, distributionID: distributionID) {
                return nil
            }
            return found
        } catch let error as StoreReadError {
            dropUnreadable(key, error, on: loop)
            return nil
        } catch {
            logger.warning("cache entry unreadable; fetching from the origin", metadata: [
                "key": "\(CacheKey(bytes: key))", "error": "\(error)",
            ])
            return nil
        }
    }

    /// An entry that failed to open (altered on disk, or sealed with a key this process lacks):
    /// never served; logged, counted, deleted, and fetched again by the caller.
    func dropUnreadable(_ key: [UInt8], _ error: StoreReadError, on loop: any EventLoop) {
        logger.warning("cache entry failed to decrypt; dropped and fetched again from the origin", metadata: [
            "key": "\(CacheKey(bytes: key))", "error": "\(error)",
        ])
        unreadableEntries()
        _ = store.delete(key: key, on: loop)
    }

    /// A hit, for the eviction policy (SIEVE's visited bit).
    func recordHit(_ entry: StoredEntry) {
        store.recordHit(entry)
    }

    /// Commits what is queued and stops the store's writer (after the drain).
    public func close() {
        store.close()
    }

    static let keyHasher = SHA256KeyHasher()
}

/// Why the cache could not be opened at start.
public enum ViewerCacheOpenError: Error, CustomStringConvertible {
    case store(CacheStoreOpenError)
    case invalidationLog(InvalidationLogError)

    public var description: String {
        switch self {
        case .store(let error): "\(error)"
        case .invalidationLog(let error): "\(error)"
        }
    }
}

/// One `StoreReader` per event loop, fixed at start, with that loop's decoded metadata. A slot is
/// used only on its loop (checked by the callers), which is what makes sharing the table safe.
private struct LoopReaders: @unchecked Sendable {
    private let table: [ObjectIdentifier: LoopSlot]

    init(_ pairs: [(ObjectIdentifier, StoreReader)]) {
        table = Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, LoopSlot(reader: $0.1)) })
    }

    func slot(for loop: any EventLoop) -> LoopSlot {
        guard let slot = table[ObjectIdentifier(loop)] else {
            preconditionFailure("no cache reader for event loop \(loop)")
        }
        return slot
    }
}

final class LoopSlot {
    let reader: StoreReader
    /// Decoded metadata, direct-mapped by the key's hash: a slot holds the last object looked up
    /// whose key hashed to it, and is used only while the stored entry is byte-identical. Fixed
    /// size and no probing, so a lookup costs the same with ten thousand entries or a million
    /// (a Dictionary trimmed from its start degraded into long probe runs at a million keys).
    private var slots: [StoredObject?]
    /// A few MiB per loop.
    static let slotCount = 8192

    init(reader: StoreReader) {
        self.reader = reader
        slots = Array(repeating: nil, count: Self.slotCount)
    }

    /// The object last remembered for `key`, if its slot still holds it: usable only while the
    /// stored entry is byte-identical (the caller compares).
    func remembered(_ key: [UInt8]) -> StoredObject? {
        guard let object = slots[slot(of: key)], object.entry.key == key else { return nil }
        return object
    }

    func remember(_ object: StoredObject) {
        slots[slot(of: object.entry.key)] = object
    }

    private func slot(of key: [UInt8]) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(Self.slotCount))
    }
}

/// SHA-256 (OpenSSL, via EdgeTLS) for cache keys too long to be LMDB keys.
struct SHA256KeyHasher: CacheKeyHasher {
    func digest(_ bytes: [UInt8]) -> [UInt8] {
        SHA256.hash(bytes)
    }
}

extension CachePolicy {
    /// A distribution's configured cache policy; nil when caching is off (`max_ttl: 0`, like
    /// CloudFront's managed CachingDisabled policy: every request goes to the origin as it came).
    init?(_ distribution: Distribution) {
        self.init(distribution.defaultBehavior)
    }

    /// A cache behavior's policy (its settings are already merged over the distribution's).
    init?(_ behavior: CacheBehavior) {
        let settings = behavior.cachePolicy
        guard settings.maxTTL > .zero else { return nil }
        self.init(
            minTTL: settings.minTTL, defaultTTL: settings.defaultTTL, maxTTL: settings.maxTTL,
            queryStrings: CacheKeySelection(settings.queryStrings), headers: settings.headers,
            cookies: CacheKeySelection(settings.cookies),
            errorCachingMinTTL: behavior.errorCachingMinTTL, maxObjectSize: behavior.maxObjectSize
        )
    }
}

extension CacheKeySelection {
    init(_ items: CacheKeyItems) {
        switch items {
        case .none: self = .none
        case .all: self = .all
        case .allowList(let names): self = .allowList(names)
        }
    }
}

extension S3QueryForwarding {
    /// CloudFront forwards the query parameters its cache policy puts in the key.
    init(_ selection: CacheKeySelection) {
        switch selection {
        case .none: self = .none
        case .all: self = .all
        case .allowList(let names): self = .names(names)
        }
    }
}
