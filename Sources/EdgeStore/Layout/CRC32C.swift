/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and
/// Btrfs: detects every burst error up to 32 bits and any odd number of bit flips. Computed
/// with slicing-by-8 (eight 256-entry tables, eight bytes per step) on the writer thread while
/// it copies a chunk into the map. Check value: "123456789" → 0xE3069283.
struct CRC32C: Hashable {
    private var state: UInt32 = 0xFFFF_FFFF

    var value: UInt32 { ~state }

    init() {}

    init(_ bytes: UnsafeRawBufferPointer) {
        update(bytes)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        var index = 0
        let count = bytes.count
        crc32cTables.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian ^ crc
                let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }
}

/// Table `k` maps a byte to its CRC contribution `k` bytes further on. Built once, on first use.
private let crc32cTables: [UInt32] = {
    var tables = [UInt32](repeating: 0, count: 8 * 256)
    for byte in 0..<256 {
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        tables[byte] = crc
    }
    for byte in 0..<256 {
        for slice in 1..<8 {
            let previous = tables[(slice - 1) * 256 + byte]
            tables[slice * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
        }
    }
    return tables
}()
