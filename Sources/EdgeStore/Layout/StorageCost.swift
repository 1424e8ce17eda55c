/// What a record costs in the map, estimated from LMDB 0.9's page layout, so that the sum over
/// all records bounds the file's growth. This is the unit of `maxSize`.
///
/// - A leaf node is an 8-byte header, the key, the value and a 2-byte slot in the page.
/// - A value whose node would exceed `nodeMax` (2038 bytes with 4 KiB pages) moves to its own
///   run of overflow pages (16-byte page header + value, rounded up to whole pages); the leaf
///   keeps the key and an 8-byte page number. A 256 KiB chunk costs 65 pages: 1.6 % overhead.
/// - Leaf pages are at least half full after a split, so in-leaf bytes count twice.
/// Branch pages, the free list and copy-on-write churn are not charged: the map's headroom
/// (``CacheStoreConfiguration/mapSize``) covers them.
struct StorageCost {
    let pageSize: Int

    /// LMDB 0.9: `((pageSize - PAGEHDRSZ) / MDB_MINKEYS & -2) - sizeof(indx_t)`.
    var nodeMax: Int { (((pageSize - 16) / 2) & ~1) - 2 }

    func record(keyLength: Int, valueLength: Int) -> Int {
        let node = 8 + keyLength + valueLength
        guard node > nodeMax else { return 2 * (node + 2) }
        let pages = (16 + valueLength + pageSize - 1) / pageSize
        return pages * pageSize + 2 * (8 + keyLength + 8 + 2)
    }

    func chunk(keyLength: Int, length: Int) -> Int {
        record(keyLength: keyLength + BodyKey.suffixLength, valueLength: length)
    }

    /// The meta record (a value of `valueLength` bytes, header included) plus the stored-order
    /// index record of one entry.
    func entryRecords(keyLength: Int, valueLength: Int) -> Int {
        record(keyLength: keyLength, valueLength: valueLength)
            + record(keyLength: 9, valueLength: 8 + keyLength)
    }
}
