internal import CLMDB

extension MDB_val {
    /// A value pointing at `bytes`; LMDB only reads through it for keys and `mdb_put` data.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.init(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
    }

    /// The bytes LMDB pointed this value at: inside the map, valid until the transaction ends or resets.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }
}
