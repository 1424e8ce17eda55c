/// The invalidation rules of one distribution, each an ``InvalidationPattern`` with the
/// sequence number of the invalidation that added it, answering on every cache hit: "which is
/// the newest rule covering this entry?" An entry whose own sequence (the one current when its
/// fill started) is lower is treated as absent.
///
/// A lookup costs what the subject and the rules' shapes cost, never what the cache holds: one
/// pass over the subject's bytes hashes each of its prefixes as it goes, with one dictionary
/// probe per distinct length of a prefix rule and one for the whole subject (exact rules).
/// Nothing is copied or allocated. Hashed subjects (rare: keys over ``CacheKey/maximumLength``
/// bytes) also walk the rules that start with their known prefix, in a sorted list.
public struct InvalidationIndex: Sendable {
    /// Rules by ``RuleHash`` of their normalized bytes; a bucket holds more than one entry only
    /// if two patterns' bytes collide. `/a.jpg` and `/a.jpg*` share an entry.
    private var rules: [UInt64: [Rule]] = [:]
    /// The distinct lengths of prefix rules, ascending.
    private var prefixLengths: [Int] = []
    /// The sequence of `/*`, which covers even subjects with no path.
    private var everything: UInt64?
    /// Every rule's normalized bytes, sorted, for hashed subjects.
    private var ordered: [[UInt8]] = []
    /// Rules held; a pattern added twice, or two spellings of one (`/a%20b`, `/a b`), count once.
    public private(set) var ruleCount = 0

    public init() {}

    public var isEmpty: Bool { ruleCount == 0 }

    /// Adds a rule; if it is already there, it keeps the higher sequence.
    public mutating func add(_ pattern: InvalidationPattern, sequence: UInt64) {
        if pattern.matchesEverything {
            if everything == nil { ruleCount += 1 }
            everything = max(everything ?? 0, sequence)
            return
        }
        let bytes = pattern.normalized
        let hash = RuleHash(bytes).value
        var bucket = rules.removeValue(forKey: hash) ?? []
        if let slot = bucket.firstIndex(where: { $0.bytes == bytes }) {
            if bucket[slot].sequence(isPrefix: pattern.isPrefix) == nil { ruleCount += 1 }
            bucket[slot].raise(isPrefix: pattern.isPrefix, to: sequence)
        } else {
            var rule = Rule(bytes: bytes)
            rule.raise(isPrefix: pattern.isPrefix, to: sequence)
            bucket.append(rule)
            ruleCount += 1
            Self.insert(bytes, into: &ordered, by: { $0.lexicographicallyPrecedes($1) })
        }
        rules[hash] = bucket
        if pattern.isPrefix { Self.insert(bytes.count, into: &prefixLengths, by: <) }
    }

    /// Drops every rule of sequence `sequence` or lower: once a sweep has removed what they
    /// cover, nothing older than them is left to hide.
    public mutating func retire(through sequence: UInt64) {
        if let everything, everything <= sequence { self.everything = nil }
        rules = rules.compactMapValues { bucket in
            let kept = bucket.compactMap { $0.retiring(through: sequence) }
            return kept.isEmpty ? nil : kept
        }
        let kept = rules.values.joined()
        ruleCount = (everything == nil ? 0 : 1) + kept.reduce(0) { $0 + ($1.exact == nil ? 0 : 1) + ($1.prefix == nil ? 0 : 1) }
        prefixLengths = Set(kept.filter { $0.prefix != nil }.map(\.bytes.count)).sorted()
        ordered = kept.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The highest sequence of a rule covering `subject`, or 0 if none does. For a hashed
    /// subject, every rule that could cover the full key counts (``InvalidationSubject``).
    public func hidingSequence(of subject: InvalidationSubject) -> UInt64 {
        guard !isEmpty else { return 0 }
        var newest = everything ?? 0
        subject.normalized.withUnsafeBufferPointer { known in
            newest = max(newest, probe(known, exactToo: subject.extent != .pathPrefix))
        }
        switch subject.extent {
        case .whole:
            break
        case .pathOnly:
            // The key is the path alone (probed above) or the path and a query.
            newest = max(newest, newestRule(startingWith: subject.normalized + [UInt8(ascii: "?")]))
        case .pathPrefix:
            newest = max(newest, newestRule(startingWith: subject.normalized))
        }
        return newest
    }

    /// One pass over `subject`, hashing as it goes: the newest prefix rule that is a prefix of
    /// it (or all of it), and with `exactToo`, the exact rule equal to it.
    private func probe(_ subject: UnsafeBufferPointer<UInt8>, exactToo: Bool) -> UInt64 {
        var newest: UInt64 = 0
        var hash = RuleHash()
        var consumed = 0
        for length in prefixLengths {
            guard length <= subject.count else { break }
            while consumed < length {
                hash.add(subject[consumed])
                consumed += 1
            }
            newest = max(newest, rule(hash.value, subject[..<length])?.prefix ?? 0)
        }
        guard exactToo else { return newest }
        while consumed < subject.count {
            hash.add(subject[consumed])
            consumed += 1
        }
        return max(newest, rule(hash.value, subject[...])?.exact ?? 0)
    }

    private func rule(_ hash: UInt64, _ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Rule? {
        guard let bucket = rules[hash] else { return nil }
        return bucket.first { $0.bytes.count == bytes.count && $0.bytes.elementsEqual(bytes) }
    }

    /// The newest exact or prefix rule whose bytes start with `start` (hashed subjects only).
    private func newestRule(startingWith start: [UInt8]) -> UInt64 {
        var newest: UInt64 = 0
        var index = Self.firstIndex(in: ordered, notBefore: start, by: { $0.lexicographicallyPrecedes($1) })
        while index < ordered.count, ordered[index].starts(with: start) {
            let bytes = ordered[index]
            if let rule = rules[RuleHash(bytes).value]?.first(where: { $0.bytes == bytes }) {
                newest = max(newest, rule.exact ?? 0, rule.prefix ?? 0)
            }
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

/// The exact rule and the prefix rule (`…*`) of one normalized form, either possibly absent.
private struct Rule: Sendable {
    let bytes: [UInt8]
    var exact: UInt64?
    var prefix: UInt64?

    func sequence(isPrefix: Bool) -> UInt64? {
        isPrefix ? prefix : exact
    }

    mutating func raise(isPrefix: Bool, to sequence: UInt64) {
        if isPrefix { prefix = max(prefix ?? 0, sequence) } else { exact = max(exact ?? 0, sequence) }
    }

    /// This rule without its sequences up to `sequence`; nil if nothing is left.
    func retiring(through sequence: UInt64) -> Rule? {
        var rule = self
        if let exact, exact <= sequence { rule.exact = nil }
        if let prefix, prefix <= sequence { rule.prefix = nil }
        return rule.exact == nil && rule.prefix == nil ? nil : rule
    }
}

/// FNV-1a (64 bits), fed one byte at a time, so a lookup hashes every prefix of a subject and
/// the whole of it in one pass. Not collision-resistant, and it need not be: rules come from
/// the distribution's owner, and a bucket's rules are compared byte for byte.
private struct RuleHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init() {}

    init(_ bytes: [UInt8]) {
        for byte in bytes { add(byte) }
    }

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
