import EdgeCache

/// A deterministic stand-in for SHA-256: 32 bytes from four FNV-1a passes
/// with different seeds. Not collision-resistant; tests only need stability
/// and a fixed length.
struct TestHasher: CacheKeyHasher {
    func digest(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for seed: UInt64 in [0xcbf2_9ce4_8422_2325, 1, 2, 3] {
            var hash = seed
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            for shift in stride(from: 56, through: 0, by: -8) {
                output.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift)))
            }
        }
        return output
    }
}

/// 2024-01-01T00:00:00Z, the tests' "now".
let t0 = CacheTime(secondsSince1970: 1_704_067_200)

/// `t0` moved by `seconds`.
func at(_ seconds: Int64) -> CacheTime {
    t0 + .seconds(seconds)
}

/// Header fields from "Name: value" lines.
func fields(_ lines: String...) -> [(name: String, value: String)] {
    lines.map { line in
        let colon = line.firstIndex(of: ":")!
        let value = line[line.index(after: colon)...].drop { $0 == " " }
        return (String(line[..<colon]), String(value))
    }
}
