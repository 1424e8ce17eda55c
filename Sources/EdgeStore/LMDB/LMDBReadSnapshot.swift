internal import CLMDB

/// Owns one read-only `MDB_txn`, kept between uses: reset after each use (releasing its
/// snapshot so the writer can reuse old pages) and renewed on the next (`mdb_txn_renew` takes
/// no lock), so a read costs no `malloc` and no reader-table search. `deinit` aborts it.
///
/// Not thread-safe: one owner thread at a time (`MDB_NOTLS` lets that owner change, e.g. an
/// object handed between threads, but never use it concurrently).
final class LMDBReadSnapshot {
    let environment: LMDBEnvironment
    private var raw: OpaquePointer?

    init(_ environment: LMDBEnvironment) {
        self.environment = environment
    }

    deinit {
        if let raw { mdb_txn_abort(raw) }
    }

    /// Runs `body` against the newest committed state; the view (and every pointer read
    /// through it) is valid only during the call.
    func read<T>(_ body: (LMDBTransactionView) throws -> T) throws -> T {
        if let raw {
            try lmdbCheck(mdb_txn_renew(raw), "mdb_txn_renew")
        } else {
            var txn: OpaquePointer?
            try lmdbCheck(mdb_txn_begin(environment.raw, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
            raw = txn
        }
        defer { mdb_txn_reset(raw) }
        return try body(LMDBTransactionView(raw: raw!))
    }
}
