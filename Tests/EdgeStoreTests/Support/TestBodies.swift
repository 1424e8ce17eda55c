import EdgeStore
import NIOCore

/// Deterministic bodies: the bytes follow from the key and a version, so a check needs nothing
/// but the entry itself to know what it must contain.
enum TestBodies {
    static func bytes(key: [UInt8], version: UInt64, count: Int) -> [UInt8] {
        var state = seed(key: key, version: version)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state) { bytes.append(contentsOf: $0.prefix(count - bytes.count)) }
        }
        return bytes
    }

    /// A length that also follows from key and version, so a truncated body cannot pass.
    static func length(key: [UInt8], version: UInt64, upTo limit: Int) -> Int {
        Int(seed(key: key, version: version) % UInt64(limit + 1))
    }

    static func meta(version: UInt64) -> ByteBuffer {
        ByteBuffer(string: "version=\(version)")
    }

    static func version(of entry: StoredEntry) -> UInt64? {
        let text = String(buffer: entry.meta)
        guard text.hasPrefix("version=") else { return nil }
        return UInt64(text.dropFirst("version=".count))
    }

    private static func seed(key: [UInt8], version: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key + withUnsafeBytes(of: version, Array.init) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash | 1
    }
}
