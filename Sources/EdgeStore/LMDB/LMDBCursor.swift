internal import CLMDB

/// Owns one `MDB_cursor`. Closed explicitly by ``LMDBTransactionView/withCursor(_:_:)`` before
/// its transaction ends; `deinit` closes it if that did not happen.
final class LMDBCursor {
    private var raw: OpaquePointer?

    init(transaction: OpaquePointer, dbi: MDB_dbi) throws {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(transaction, dbi, &cursor), "mdb_cursor_open")
        raw = cursor
    }

    deinit { close() }

    func close() {
        if let raw { mdb_cursor_close(raw) }
        raw = nil
    }

    /// The first record whose key is `>= key`, or nil at the end.
    func seek(atOrAfter key: UnsafeRawBufferPointer) throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var keyValue = MDB_val(key)
        return try move(MDB_SET_RANGE, &keyValue)
    }

    func first() throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var keyValue = MDB_val()
        return try move(MDB_FIRST, &keyValue)
    }

    func next() throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var keyValue = MDB_val()
        return try move(MDB_NEXT, &keyValue)
    }

    private func move(_ operation: MDB_cursor_op, _ key: inout MDB_val) throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var data = MDB_val()
        let code = mdb_cursor_get(raw, &key, &data, operation)
        if code == MDB_NOTFOUND { return nil }
        try lmdbCheck(code, "mdb_cursor_get")
        return (key.bytes, data.bytes)
    }
}
