internal import CLMDB

/// A failed LMDB call, with LMDB's own message (`mdb_strerror`) and the call that failed.
public struct LMDBError: Error, Hashable, CustomStringConvertible {
    /// LMDB's return code: one of the `MDB_*` codes or an `errno` value.
    public let code: Int32
    /// The C function that returned it, e.g. `mdb_put`.
    public let operation: String

    init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: mdb_strerror(code)))"
    }

    /// The map is full: the store's accounting underestimated LMDB's page use.
    var isMapFull: Bool { code == MDB_MAP_FULL }

    /// The file is damaged or not an LMDB file of a compatible version, so rebuilding it empty
    /// helps. Other codes — `errno` values (permissions, a full disk, no memory) and LMDB's
    /// usage errors — do not, and deleting the file would not fix them.
    var meansUnreadableFile: Bool {
        [MDB_INVALID, MDB_VERSION_MISMATCH, MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INCOMPATIBLE,
         MDB_PANIC, MDB_PAGE_FULL, MDB_CURSOR_FULL].contains(code)
    }
}

/// Turns an LMDB return code into a thrown ``LMDBError``.
@inline(__always)
func lmdbCheck(_ code: Int32, _ operation: String) throws {
    guard code == MDB_SUCCESS else { throw LMDBError(code, operation) }
}
