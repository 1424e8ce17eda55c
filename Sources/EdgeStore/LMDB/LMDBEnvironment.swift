#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CLMDB

/// Owns one `MDB_env` and the three named databases of the cache; `deinit` closes it.
///
/// `@unchecked Sendable`: every property is immutable after `init`; LMDB allows any thread to
/// begin transactions on an environment (`MDB_NOTLS` ties read slots to transactions, not
/// threads); the handle is closed only in `deinit`, after every transaction owner (which all
/// hold a reference) is gone.
final class LMDBEnvironment: @unchecked Sendable {
    let raw: OpaquePointer
    /// Cache key → entry header + the caller's metadata.
    let meta: MDB_dbi
    /// Cache key + generation + chunk index → chunk bytes.
    let body: MDB_dbi
    /// Format marker, counters, stored-order index.
    let state: MDB_dbi
    let pageSize: Int
    let mapSize: Int
    /// Released after `mdb_env_close` (stored properties outlive `deinit`'s body).
    private let directoryLock: CacheDirectoryLock

    /// Opens (creating if needed) the environment in the directory `path`.
    init(path: String, lock: CacheDirectoryLock, mapSize: Int, maxReaders: Int, durability: Durability) throws {
        var created: OpaquePointer?
        try lmdbCheck(mdb_env_create(&created), "mdb_env_create")
        guard let env = created else { throw LMDBError(ENOMEM, "mdb_env_create") }
        do {
            try lmdbCheck(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            try lmdbCheck(mdb_env_set_maxreaders(env, UInt32(maxReaders)), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_set_maxdbs(env, 3), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_open(env, path, durability.environmentFlags, 0o600), "mdb_env_open")
            // Reader slots left by a killed process would pin old pages until cleared.
            var dead: Int32 = 0
            try lmdbCheck(mdb_reader_check(env, &dead), "mdb_reader_check")
            (meta, body, state) = try Self.openDatabases(env)
            var stat = MDB_stat()
            try lmdbCheck(mdb_env_stat(env, &stat), "mdb_env_stat")
            pageSize = Int(stat.ms_psize)
            var info = MDB_envinfo()
            try lmdbCheck(mdb_env_info(env, &info), "mdb_env_info")
            self.mapSize = info.me_mapsize
        } catch {
            mdb_env_close(env)
            throw error
        }
        raw = env
        directoryLock = lock
    }

    deinit {
        mdb_env_close(raw)
    }

    /// Flushes the data and meta pages to disk (`fsync`), whatever the durability mode.
    func syncToDisk() throws {
        try lmdbCheck(mdb_env_sync(raw, 1), "mdb_env_sync")
    }

    private static func openDatabases(_ env: OpaquePointer) throws -> (MDB_dbi, MDB_dbi, MDB_dbi) {
        var txn: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
        var handles: [MDB_dbi] = []
        for name in ["meta", "body", "state"] {
            var dbi: MDB_dbi = 0
            let code = mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi)
            guard code == MDB_SUCCESS else {
                mdb_txn_abort(txn)
                throw LMDBError(code, "mdb_dbi_open(\(name))")
            }
            handles.append(dbi)
        }
        // Handles opened in a write transaction become usable by others once it commits.
        try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
        return (handles[0], handles[1], handles[2])
    }
}
