/// The `state` database: what must survive a restart besides the entries themselves.
///
/// - `format` → `s3edge-store` + version (4 bytes): written when the file is created; anything
///   else found there means the file is not ours (or from an incompatible version) and is rebuilt.
/// - `counters` → next generation, charged bytes, entry count (8 bytes each): rewritten by
///   every commit. Start-up recomputes the last two while it checks the entries and repairs
///   them, so they are a fast path and a cross-check, never the only truth.
/// - `o` + generation → charged bytes (8) + cache key: the stored-order index, oldest first,
///   for the default eviction policy and as the fallback of every policy. Access recency is not
///   persisted (a write per hit would cost more than it saves); a policy that wants it keeps
///   it in memory.
enum StateRecords {
    static let formatKey = Array("format".utf8)
    static let formatVersion: UInt32 = 1
    static var formatValue: [UInt8] {
        var value = Array("s3edge-store".utf8)
        value.appendBigEndian(formatVersion)
        return value
    }

    static let countersKey = Array("counters".utf8)

    struct Counters: Equatable {
        var nextGeneration: UInt64
        var usedBytes: Int
        var entryCount: Int

        var encoded: [UInt8] {
            var value: [UInt8] = []
            value.appendBigEndian(nextGeneration)
            value.appendBigEndian(UInt64(usedBytes))
            value.appendBigEndian(UInt64(entryCount))
            return value
        }

        init(nextGeneration: UInt64, usedBytes: Int, entryCount: Int) {
            self.nextGeneration = nextGeneration
            self.usedBytes = usedBytes
            self.entryCount = entryCount
        }

        init?(decoding raw: UnsafeRawBufferPointer) {
            guard raw.count == 24 else { return nil }
            self.init(
                nextGeneration: raw.loadBigEndian(at: 0),
                usedBytes: Int(truncatingIfNeeded: raw.loadBigEndian(at: 8, as: UInt64.self)),
                entryCount: Int(truncatingIfNeeded: raw.loadBigEndian(at: 16, as: UInt64.self))
            )
        }
    }

    static let orderTag = UInt8(ascii: "o")

    static func orderKey(generation: UInt64) -> [UInt8] {
        var key = [orderTag]
        key.appendBigEndian(generation)
        return key
    }

    static func orderValue(chargedBytes: Int, key: [UInt8]) -> [UInt8] {
        var value: [UInt8] = []
        value.reserveCapacity(8 + key.count)
        value.appendBigEndian(UInt64(chargedBytes))
        value.append(contentsOf: key)
        return value
    }

    /// Decodes an order-index record; nil for any other `state` record.
    static func parseOrder(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> (generation: UInt64, chargedBytes: Int, key: [UInt8])? {
        guard key.count == 9, key[0] == orderTag, value.count > 8 else { return nil }
        return (
            key.loadBigEndian(at: 1),
            Int(truncatingIfNeeded: value.loadBigEndian(at: 0, as: UInt64.self)),
            Array(value[8...])
        )
    }
}
