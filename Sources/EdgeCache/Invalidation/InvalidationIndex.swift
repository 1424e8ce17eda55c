/// The invalidation rules of one distribution, each an ``InvalidationPattern`` with the
/// sequence number of the invalidation that added it, answering on every cache hit: "which is
/// the newest rule covering this entry?" An entry whose own sequence (the one current when its
/// fill started) is lower is treated as absent.
///
/// A lookup costs what the subject and the rules' shapes cost, never what the cache holds:
/// exact rules are one dictionary probe; prefix rules one probe per distinct prefix length up
/// to the subject's length, each against a hash computed incrementally in one pass over the
/// subject, so no bytes are copied and nothing is allocated. Hashed subjects (rare: keys over
/// ``CacheKey/maximumLength`` bytes) also walk the rules that start with their known prefix, in
/// a sorted list.
public struct InvalidationIndex: Sendable {
    private var exact: [[UInt8]: UInt64] = [:]
    /// Prefix rules by ``PrefixHash`` of their bytes; a bucket holds more than one rule only if
    /// two prefixes collide.
    private var prefixes: [UInt64: [PrefixRule]] = [:]
    private var prefixCount = 0
    /// The distinct lengths of prefix rules, ascending.
    private var prefixLengths: [Int] = []
    /// The sequence of `/*`, which covers even subjects with no path.
    private var everything: UInt64?
    /// Every distinct normalized form of an exact or prefix rule, sorted, for hashed subjects.
    private var ordered: [[UInt8]] = []

    public init() {}

    public var isEmpty: Bool { ruleCount == 0 }

    /// Rules held; a pattern added twice, or two spellings of one (`/a%20b`, `/a b`), count once.
    public var ruleCount: Int { exact.count + prefixCount + (everything == nil ? 0 : 1) }

    /// Adds a rule; if it is already there, it keeps the higher sequence.
    public mutating func add(_ pattern: InvalidationPattern, sequence: UInt64) {
        let bytes = pattern.normalized
        if pattern.matchesEverything {
            everything = max(everything ?? 0, sequence)
        } else if pattern.isPrefix {
            let hash = PrefixHash(bytes[...]).value
            if let slot = prefixes[hash]?.firstIndex(where: { $0.bytes == bytes }) {
                prefixes[hash]![slot].sequence = max(prefixes[hash]![slot].sequence, sequence)
                return
            }
            prefixes[hash, default: []].append(PrefixRule(bytes: bytes, sequence: sequence))
            prefixCount += 1
            Self.insert(bytes.count, into: &prefixLengths, by: <)
            Self.insert(bytes, into: &ordered, by: { $0.lexicographicallyPrecedes($1) })
        } else {
            if let current = exact[bytes] {
                exact[bytes] = max(current, sequence)
                return
            }
            exact[bytes] = sequence
            Self.insert(bytes, into: &ordered, by: { $0.lexicographicallyPrecedes($1) })
        }
    }

    /// Drops every rule of sequence `sequence` or lower: once a sweep has removed what they
    /// cover, nothing older than them is left to hide.
    public mutating func retire(through sequence: UInt64) {
        exact = exact.filter { $0.value > sequence }
        prefixes = prefixes.compactMapValues { bucket in
            let kept = bucket.filter { $0.sequence > sequence }
            return kept.isEmpty ? nil : kept
        }
        if let everything, everything <= sequence { self.everything = nil }
        let prefixRules = prefixes.values.joined()
        prefixCount = prefixRules.count
        prefixLengths = Set(prefixRules.map(\.bytes.count)).sorted()
        ordered = Set(exact.keys).union(prefixRules.map(\.bytes)).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The highest sequence of a rule covering `subject`, or 0 if none does. For a hashed
    /// subject, every rule that could cover the full key counts (``InvalidationSubject``).
    public func hidingSequence(of subject: InvalidationSubject) -> UInt64 {
        guard !isEmpty else { return 0 }
        let known = subject.normalized
        var newest = max(everything ?? 0, newestPrefixRule(coveringStartOf: known))
        switch subject.extent {
        case .whole:
            newest = max(newest, exact[known] ?? 0)
        case .pathOnly:
            // The key is the path alone or the path and a query: rules for either.
            newest = max(newest, exact[known] ?? 0, newestRule(startingWith: known + [UInt8(ascii: "?")]))
        case .pathPrefix:
            newest = max(newest, newestRule(startingWith: known))
        }
        return newest
    }

    /// The newest prefix rule whose bytes are a prefix of `subject` (or all of it).
    private func newestPrefixRule(coveringStartOf subject: [UInt8]) -> UInt64 {
        var newest: UInt64 = 0
        var hash = PrefixHash()
        var consumed = 0
        for length in prefixLengths {
            guard length <= subject.count else { break }
            while consumed < length {
                hash.add(subject[consumed])
                consumed += 1
            }
            for rule in prefixes[hash.value] ?? [] where rule.bytes.elementsEqual(subject[..<length]) {
                newest = max(newest, rule.sequence)
            }
        }
        return newest
    }

    /// The newest exact or prefix rule whose bytes start with `start`.
    private func newestRule(startingWith start: [UInt8]) -> UInt64 {
        var newest: UInt64 = 0
        var index = Self.firstIndex(in: ordered, notBefore: start, by: { $0.lexicographicallyPrecedes($1) })
        while index < ordered.count, ordered[index].starts(with: start) {
            let bytes = ordered[index]
            let prefixRule = prefixes[PrefixHash(bytes[...]).value]?.first { $0.bytes == bytes }
            newest = max(newest, exact[bytes] ?? 0, prefixRule?.sequence ?? 0)
            index += 1
        }
        return newest
    }

    private static func insert<T: Equatable>(_ element: T, into sorted: inout [T], by precedes: (T, T) -> Bool) {
        let index = firstIndex(in: sorted, notBefore: element, by: precedes)
        if index == sorted.count || sorted[index] != element { sorted.insert(element, at: index) }
    }

    /// Binary search: the first index whose element does not precede `element`.
    private static func firstIndex<T>(in sorted: [T], notBefore element: T, by precedes: (T, T) -> Bool) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if precedes(sorted[middle], element) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

private struct PrefixRule: Sendable {
    let bytes: [UInt8]
    var sequence: UInt64
}

/// FNV-1a (64 bits), fed one byte at a time, so a lookup hashes every prefix of a subject in
/// one pass. Not collision-resistant, and it need not be: rules come from the distribution's
/// owner, and a bucket's rules are compared byte for byte.
private struct PrefixHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init() {}

    init(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes { add(byte) }
    }

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
