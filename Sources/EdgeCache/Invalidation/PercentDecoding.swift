/// The one spelling invalidation matching compares: a path or query as bytes with every valid
/// `%XX` decoded, so `/a%20b`, `/a b` and `/a%20%62` are the same object.
///
/// Decoding is deliberately lenient: an invalid escape (`%zz`, a `%` near the end) stays
/// literal, as S3 and CloudFront keep it, and `+` stays `+` (it means a space only in HTML
/// forms, not in a path or in what S3 receives).
enum PercentDecoding {
    /// Appends `bytes` decoded to `output`. With `inputMayBeCut` (a path cut short in a hashed
    /// key, a pattern ending in `*`), a `%` too close to the end to tell stops the decoding
    /// there: the rest could be `%20` in the full text, so a shorter prefix is the safe answer.
    static func append<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, to output: inout [UInt8], inputMayBeCut: Bool = false
    ) where Bytes.Index == Int {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                index += 1
                continue
            }
            guard bytes.endIndex - index >= 3 else {
                if inputMayBeCut { return }
                output.append(byte)
                index += 1
                continue
            }
            if let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
    }

    static func decoded<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> [UInt8] where Bytes.Index == Int {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        append(bytes, to: &output)
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Query parameters in the order invalidation compares them: each name and value decoded, then
/// sorted by name, then value (no value before an empty one, as in ``CacheKey``), written back
/// as `name=value` (or `name`) joined by `&`. A pattern's `?b=2&a=1` and a key's `a=1`, `b=%32`
/// become the same `a=1&b=2`.
///
/// A decoded `&` or `=` (from `%26`, `%3D`) is written as is, so two different parameter lists
/// can share a canonical form: that can only make a rule match more, never less.
struct CanonicalQuery {
    private var pairs: [(name: [UInt8], value: [UInt8]?)] = []

    mutating func append<Bytes: RandomAccessCollection<UInt8>>(name: Bytes, value: Bytes?) where Bytes.Index == Int {
        pairs.append((PercentDecoding.decoded(name), value.map { PercentDecoding.decoded($0) }))
    }

    /// Appends `?` and the sorted pairs to `output`; nothing when there are no pairs, so a
    /// request without parameters and one with an empty query (`/a?`) are the same.
    func write(to output: inout [UInt8]) {
        guard !pairs.isEmpty else { return }
        let sorted = pairs.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
            guard let right = rhs.value else { return false }
            guard let left = lhs.value else { return true }
            return left.lexicographicallyPrecedes(right)
        }
        output.append(UInt8(ascii: "?"))
        for (index, pair) in sorted.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            Self.write(name: pair.name[...], value: pair.value?[...], to: &output)
        }
    }

    /// One pair as `name=value`, or `name` when it has no value.
    static func write<Bytes: Collection<UInt8>>(name: Bytes, value: Bytes?, to output: inout [UInt8]) {
        output.append(contentsOf: name)
        if let value {
            output.append(UInt8(ascii: "="))
            output.append(contentsOf: value)
        }
    }
}
