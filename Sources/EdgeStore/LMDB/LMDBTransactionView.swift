internal import CLMDB

/// Reads within a live transaction (read or write). A non-owning view: the owner
/// (``LMDBWriteTransaction`` or ``LMDBReadSnapshot``) hands it to a closure and the view must
/// not outlive that call; the byte pointers it returns point into the map and are valid only
/// while the transaction is live.
struct LMDBTransactionView {
    let raw: OpaquePointer

    /// The value stored under `key`, or nil.
    func get(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(key)
        var data = MDB_val()
        let code = mdb_get(raw, dbi, &keyValue, &data)
        if code == MDB_NOTFOUND { return nil }
        try lmdbCheck(code, "mdb_get")
        return data.bytes
    }

    func get(_ dbi: MDB_dbi, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { bytes in try get(dbi, bytes) }
    }

    /// Runs `body` with a cursor on `dbi`, closed when `body` returns (a write transaction
    /// would free it at commit, so it must not outlive the call).
    func withCursor<T>(_ dbi: MDB_dbi, _ body: (LMDBCursor) throws -> T) throws -> T {
        let cursor = try LMDBCursor(transaction: raw, dbi: dbi)
        defer { cursor.close() }
        return try body(cursor)
    }
}

extension LMDBTransactionView {
    /// How many records `dbi` holds (`mdb_stat`, no traversal).
    func count(_ dbi: MDB_dbi) throws -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(raw, dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Calls `body` for each record whose key starts with `prefix`, in key order, until it
    /// returns false. Pointers passed to `body` are valid only during that call.
    func forEach(_ dbi: MDB_dbi, prefix: [UInt8], _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        try withCursor(dbi) { cursor in
            // MDB_SET_RANGE rejects an empty key, so an empty prefix starts at the first record.
            var record = try prefix.isEmpty
                ? cursor.first()
                : prefix.withUnsafeBytes { bytes in try cursor.seek(atOrAfter: bytes) }
            while let current = record, current.key.starts(with: prefix) {
                guard try body(current.key, current.value) else { return }
                record = try cursor.next()
            }
        }
    }

    /// Calls `body` for each record whose key sorts after `key` (from the first record if
    /// `key` is nil), in key order, until it returns false: a walk that resumes where an
    /// earlier transaction stopped, whether or not that key is still there.
    func forEach(_ dbi: MDB_dbi, after key: [UInt8]?, _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        try withCursor(dbi) { cursor in
            var record: (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)?
            if let key, !key.isEmpty {
                record = try key.withUnsafeBytes { bytes in try cursor.seek(atOrAfter: bytes) }
                if let current = record, current.key.elementsEqual(key) { record = try cursor.next() }
            } else {
                record = try cursor.first()
            }
            while let current = record, try body(current.key, current.value) { record = try cursor.next() }
        }
    }
}
