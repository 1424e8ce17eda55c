import Glibc

/// The query parameters and cookies that carry a CloudFront signature.
///
/// They are not part of the content: the edge removes them from the cache key (so one cached
/// object serves every valid signature) and from what it sends to the origin.
public enum SigningParameters {
    /// The signed-URL query parameters. Names are case-sensitive, as CloudFront's are.
    public static let queryNames: [String] = ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"]

    /// The signed-cookie names.
    public static let cookieNames: [String] = [
        "CloudFront-Expires", "CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id",
        "CloudFront-Hash-Algorithm",
    ]

    /// `query` without the signing parameters, the other pairs in their order and bytes as
    /// received: `color=red&Expires=1&Signature=x&Key-Pair-Id=K` → `color=red`.
    public static func strip(fromQuery query: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(query.utf8.count)
        _ = appendQuery(query, strippedInto: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `name` (a cookie's name) is one of `cookieNames`.
    public static func isSigningCookie(_ name: some StringProtocol) -> Bool {
        name.utf8.starts(with: "CloudFront-".utf8) && cookieNames.contains { $0.utf8.elementsEqual(name.utf8) }
    }

    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Appends the query's non-signing pairs to `output`, `&`-separated, and hands each signing
    /// pair's field and raw value to `signing`; returns whether any pair was appended. One pass
    /// gives both the resource a signature covers and the signature's fields.
    @discardableResult
    static func appendQuery(
        _ query: String, strippedInto output: inout [UInt8], signing: (QueryField, Bytes) -> Void = { _, _ in }
    ) -> Bool {
        var query = query
        return query.withUTF8 { buffer in
            var appended = false
            forEachPair(in: buffer) { pair, value, field in
                if let field { return signing(field, value) }
                if appended { output.append(UInt8(ascii: "&")) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: pair))
                appended = true
            }
            return appended
        }
    }

    /// The `name=value` items of a `Cookie` field value, `;`-separated, leading spaces dropped;
    /// an item without `=` is skipped. Works on the field's bytes in place, like `forEachPair`.
    static func forEachCookie(in header: UnsafeBufferPointer<UInt8>, _ body: (_ name: Bytes, _ value: Bytes) -> Void) {
        var start = 0
        while start < header.count {
            let stop = find(UInt8(ascii: ";"), in: header, from: start, to: header.count)
            var nameStart = start
            while nameStart < stop, header[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
            let equals = find(UInt8(ascii: "="), in: header, from: nameStart, to: stop)
            if equals < stop {
                body(header[nameStart..<equals], header[(equals + 1)..<stop])
            }
            start = stop + 1
        }
    }

    /// The query's `&`-separated pairs, each with its value and the signing field it names, if
    /// any: the name is the text before the first `=` (a pair without `=` is all name).
    ///
    /// Works on the query's UTF-8 bytes in place: this runs on every request to a restricted
    /// path, and a signed URL's query is a few hundred bytes.
    static func forEachPair(in query: UnsafeBufferPointer<UInt8>, _ body: (_ pair: Bytes, _ value: Bytes, _ field: QueryField?) -> Void) {
        var start = 0
        while true {
            let stop = find(UInt8(ascii: "&"), in: query, from: start, to: query.count)
            let equals = find(UInt8(ascii: "="), in: query, from: start, to: stop)
            let value = equals < stop ? query[(equals + 1)..<stop] : query[stop..<stop]
            body(query[start..<stop], value, QueryField(name: query[start..<equals]))
            guard stop < query.count else { return }
            start = stop + 1
        }
    }

    /// The index of the first `byte` in `bytes[start..<end]`, or `end`: `memchr`, which reads a
    /// signed URL's few hundred bytes many at a time.
    private static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        guard start < end, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(byte), end - start)
        else { return end }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    private static let queryNameBytes: [[UInt8]] = queryNames.map { Array($0.utf8) }
    private static let cookieNameBytes: [[UInt8]] = cookieNames.map { Array($0.utf8) }

    /// One of the five signing fields, whichever way it travels.
    enum QueryField: Int, CaseIterable {
        case expires, policy, signature, keyPairID, hashAlgorithm

        init?(name: Bytes) {
            guard let index = QueryField.index(of: name, in: SigningParameters.queryNameBytes) else { return nil }
            self.init(rawValue: index)
        }

        init?(cookieName name: String) {
            var name = name
            guard let field = name.withUTF8({ QueryField(cookieName: $0[...]) }) else { return nil }
            self = field
        }

        init?(cookieName name: Bytes) {
            guard name.count >= 17, name.first == UInt8(ascii: "C") else { return nil }
            guard let index = QueryField.index(of: name, in: SigningParameters.cookieNameBytes) else { return nil }
            self.init(rawValue: index)
        }

        private static func index(of name: Bytes, in names: [[UInt8]]) -> Int? {
            names.firstIndex { candidate in
                candidate.count == name.count && candidate.withUnsafeBufferPointer { $0.elementsEqual(name) }
            }
        }

        /// How the field is called where it was found, for `Denial.malformed`.
        func name(in source: Grant.Source) -> String {
            source == .url ? SigningParameters.queryNames[rawValue] : SigningParameters.cookieNames[rawValue]
        }
    }
}
