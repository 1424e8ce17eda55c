/// The `state` database: what must survive a restart besides the entries themselves.
///
/// - `format` → `s3edge-store` + version (4 bytes): written when the file is created; anything
///   else found there means the file is not ours (or from an incompatible version) and is rebuilt.
/// - `counters` → next generation, charged bytes, entry count (8 bytes each): rewritten by
///   every commit. Start-up recomputes the last two while it checks the entries and repairs
///   them, so they are a fast path and a cross-check, never the only truth.
/// - `o` + generation → charged bytes (8) + cache key: the stored-order index, oldest first,
///   for the eviction policy and as the fallback of every policy. The top bit of the charged
///   bytes is the entry's SIEVE visited bit (charges never reach 2^63, so files written before
///   the bit existed read as "not visited"): it lives in the record the eviction walk reads
///   anyway, costs no extra record, and goes with the entry when its record is deleted.
///   Hits are not written one by one: ``VisitLog`` gathers them and the writer sets the bits
///   in its next transaction.
/// - `sealing` → `aes-256-gcm 1`: present when the store was created encrypted
///   (``SealedLayout``). A store opened the other way (clear ↔ sealed) is rebuilt empty, so a
///   file never mixes the two and no plaintext outlives turning encryption on.
/// - `hand` → generation (8): where the eviction policy's walk goes on (SIEVE's hand),
///   written in the transaction of the evictions that moved it.
enum StateRecords {
    static let formatKey = Array("format".utf8)
    static let formatVersion: UInt32 = 1
    static var formatValue: [UInt8] {
        var value = Array("s3edge-store".utf8)
        value.appendBigEndian(formatVersion)
        return value
    }

    static let countersKey = Array("counters".utf8)
    static let sealingKey = Array("sealing".utf8)
    static let sealingValue = Array("aes-256-gcm 1".utf8)

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
    private static let visitedBit: UInt64 = 1 << 63

    static func orderKey(generation: UInt64) -> [UInt8] {
        var key = [orderTag]
        key.appendBigEndian(generation)
        return key
    }

    static func orderValue(chargedBytes: Int, key: [UInt8], visited: Bool) -> [UInt8] {
        var value: [UInt8] = []
        value.reserveCapacity(8 + key.count)
        value.appendBigEndian(UInt64(chargedBytes) | (visited ? visitedBit : 0))
        value.append(contentsOf: key)
        return value
    }

    /// Decodes an order-index record; nil for any other `state` record.
    static func parseOrder(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> (generation: UInt64, chargedBytes: Int, key: [UInt8], visited: Bool)? {
        guard key.count == 9, key[0] == orderTag, let parsed = parseOrderValue(value) else { return nil }
        return (key.loadBigEndian(at: 1), parsed.chargedBytes, parsed.key, parsed.visited)
    }

    /// Decodes the value of an order-index record.
    static func parseOrderValue(_ value: UnsafeRawBufferPointer) -> (chargedBytes: Int, key: [UInt8], visited: Bool)? {
        guard value.count > 8 else { return nil }
        let charge = value.loadBigEndian(at: 0, as: UInt64.self)
        return (Int(truncatingIfNeeded: charge & ~visitedBit), Array(value[8...]), charge & visitedBit != 0)
    }

    static let handKey = Array("hand".utf8)

    static func handValue(generation: UInt64) -> [UInt8] {
        var value: [UInt8] = []
        value.appendBigEndian(generation)
        return value
    }

    /// Decodes the hand record; nil if it is not one.
    static func parseHand(_ value: UnsafeRawBufferPointer) -> UInt64? {
        value.count == 8 ? value.loadBigEndian(at: 0) : nil
    }
}
