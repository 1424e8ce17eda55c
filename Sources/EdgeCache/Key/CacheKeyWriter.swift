/// Appends the fields of a `CacheKey`. Every variable-length field but the
/// (escaped, terminated) path is prefixed with its length (LEB128), so
/// `host="a", path="b/c"` and `host="ab", path="/c"` never serialize alike.
struct CacheKeyWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(128)
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(count: Int) {
        var value = UInt(count)
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// The format tag, the host field and the escaped path: the part every
    /// key of this host and path starts with.
    mutating func appendPrefix(host: [UInt8], path: some Collection<UInt8>) {
        append(byte: CacheKey.formatTag)
        append(field: host)
        for byte in path {
            switch byte {
            case 0x00: bytes.append(contentsOf: [CacheKey.escape, 0x02])
            case CacheKey.escape: bytes.append(contentsOf: [CacheKey.escape, CacheKey.escape])
            default: bytes.append(byte)
            }
        }
    }

    mutating func append(field: some Collection<UInt8>) {
        append(count: field.count)
        bytes.append(contentsOf: field)
    }

    /// Name/value pairs (query parameters, cookies): count, then per pair the
    /// name, a presence byte and the value (`a` and `a=` stay distinct).
    mutating func append(pairs: [KeyPair]) {
        append(count: pairs.count)
        for pair in pairs {
            append(field: pair.name)
            append(optional: pair.value)
        }
    }

    /// One entry per header named by the policy, present or not, so an absent
    /// header and an empty one are different keys.
    mutating func append(headerValues: [[UInt8]?]) {
        append(count: headerValues.count)
        for value in headerValues {
            append(optional: value?[...])
        }
    }

    private mutating func append(optional value: ArraySlice<UInt8>?) {
        if let value {
            bytes.append(1)
            append(field: value)
        } else {
            bytes.append(0)
        }
    }
}

/// Reads counts and length-prefixed fields back from a key (for `description` and
/// ``InvalidationSubject``, which reads from an unsafe buffer to stay free of reference
/// counting on the hit path).
struct CacheKeyReader<Bytes: Collection<UInt8>> where Bytes.SubSequence == Bytes {
    var bytes: Bytes

    /// A LEB128 count or length; nil if the bytes end first or it overflows.
    mutating func count() -> Int? {
        var value = 0
        var shift = 0
        while let byte = bytes.popFirst() {
            guard shift < 63 else { return nil }
            value |= Int(byte & 0x7F) << shift
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }

    mutating func field() -> Bytes? {
        guard let length = count(), length <= bytes.count else { return nil }
        let value = bytes.prefix(length)
        bytes = bytes.dropFirst(length)
        return value
    }
}

/// A query parameter or cookie: raw bytes as the viewer sent them.
struct KeyPair: Comparable {
    var name: ArraySlice<UInt8>
    /// nil when the item had no `=`.
    var value: ArraySlice<UInt8>?

    /// By name, then value (absent before empty), bytewise.
    static func < (lhs: KeyPair, rhs: KeyPair) -> Bool {
        if !lhs.name.elementsEqual(rhs.name) { return lhs.name.lexicographicallyPrecedes(rhs.name) }
        switch (lhs.value, rhs.value) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let left?, let right?): return left.lexicographicallyPrecedes(right)
        }
    }

    static func == (lhs: KeyPair, rhs: KeyPair) -> Bool {
        lhs.name.elementsEqual(rhs.name) && !(lhs < rhs) && !(rhs < lhs)
    }
}
