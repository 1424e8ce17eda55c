internal import CLMDB

/// How far a committed entry survives, and what each commit costs.
///
/// Both modes keep the promise that matters for a cache: after `kill -9` at any moment, a
/// restart serves only complete, correct entries. That rests on three facts:
/// - LMDB commits copy-on-write: a commit writes new pages, then the meta page that points at
///   them. Pages reachable from the previous two meta pages are never overwritten, so a
///   transaction is all or nothing; a half-written commit leaves the old meta page in charge.
/// - Without `MDB_WRITEMAP`, LMDB writes pages with `pwrite`. A write that returned is in the
///   kernel's page cache, which belongs to the kernel, not the process: killing the process
///   loses none of it, and the next `open` reads it back. The meta page update is a write of
///   a few hundred bytes inside one page, which the kernel copies whole, so it cannot tear.
/// - The store makes an entry visible only by committing its meta record in the same
///   transaction as (or after) its last chunk; chunks of a fill that never committed are
///   invisible and removed at the next start.
///
/// They differ when the operating system itself stops (panic, power loss) before the page cache
/// reached the disk.
public enum Durability: Sendable, Hashable {
    /// `MDB_NOMETASYNC`, the default: each commit `fdatasync`s its data pages before writing
    /// the meta page; the meta page reaches the disk with the next commit's sync. A system
    /// crash loses at most the last commit and never corrupts the file. Costs one `fdatasync`
    /// per batch on the writer thread (never on an event loop; the batch window amortises it).
    case survivesSystemCrash
    /// `MDB_NOSYNC`: commits never wait for the disk. A system crash can leave the file with
    /// a meta page pointing at pages that never reached the disk, so the store writes a
    /// session marker (with the kernel's boot id, `fsync`ed) while it runs and removes it after
    /// a final `fsync` at clean shutdown; finding the marker of a different boot at start means
    /// "the system went down with unsynced writes", and the cache is rebuilt empty. For caches
    /// on tmpfs, or where a cold cache after a system crash is acceptable.
    case survivesProcessCrash

    var environmentFlags: UInt32 {
        // MDB_NOTLS: read transactions belong to reader objects that event loops own and that
        // are reset and renewed per request, not to threads.
        let base = UInt32(MDB_NOTLS)
        switch self {
        case .survivesSystemCrash: return base | UInt32(MDB_NOMETASYNC)
        case .survivesProcessCrash: return base | UInt32(MDB_NOSYNC)
        }
    }
}
