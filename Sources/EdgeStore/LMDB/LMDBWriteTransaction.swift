internal import CLMDB

/// Owns one write `MDB_txn`: committed explicitly, aborted in `deinit` otherwise. Only the
/// store's writer thread (or start-up, before that thread exists) creates one, so LMDB's
/// writer mutex is never contended inside the process.
final class LMDBWriteTransaction {
    let environment: LMDBEnvironment
    private var raw: OpaquePointer?

    init(_ environment: LMDBEnvironment) throws {
        self.environment = environment
        var txn: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(environment.raw, nil, 0, &txn), "mdb_txn_begin")
        raw = txn
    }

    deinit { abort() }

    var view: LMDBTransactionView { LMDBTransactionView(raw: raw!) }

    /// Makes every change visible atomically. The transaction is finished either way.
    func commit() throws {
        guard let txn = raw else { return }
        raw = nil
        try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    func abort() {
        if let raw { mdb_txn_abort(raw) }
        raw = nil
    }

    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: UnsafeRawBufferPointer) throws {
        try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(keyBytes)
            var data = MDB_val(value)
            try lmdbCheck(mdb_put(raw, dbi, &keyValue, &data, 0), "mdb_put")
        }
    }

    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8]) throws {
        try value.withUnsafeBytes { bytes in try put(dbi, key, bytes) }
    }

    /// Reserves `count` bytes for `key` in the map (`MDB_RESERVE`) and lets `fill` write them
    /// in place: the caller's bytes are copied once, straight into the page.
    func put(_ dbi: MDB_dbi, _ key: [UInt8], reserving count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) throws {
        try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(keyBytes)
            var data = MDB_val(mv_size: count, mv_data: nil)
            try lmdbCheck(mdb_put(raw, dbi, &keyValue, &data, UInt32(MDB_RESERVE)), "mdb_put")
            fill(UnsafeMutableRawBufferPointer(start: data.mv_data, count: count))
        }
    }

    /// Deletes `key`; false if it was not there.
    @discardableResult
    func delete(_ dbi: MDB_dbi, _ key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(keyBytes)
            let code = mdb_del(raw, dbi, &keyValue, nil)
            if code == MDB_NOTFOUND { return false }
            try lmdbCheck(code, "mdb_del")
            return true
        }
    }
}
