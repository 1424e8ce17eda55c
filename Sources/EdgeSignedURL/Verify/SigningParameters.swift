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

    /// Appends the query's non-signing pairs to `output`, `&`-separated; returns whether any was
    /// appended.
    @discardableResult
    static func appendQuery(_ query: String, strippedInto output: inout [UInt8]) -> Bool {
        var query = query
        return query.withUTF8 { buffer in
            var appended = false
            forEachPair(in: buffer) { pair, _, field in
                guard field == nil else { return }
                if appended { output.append(UInt8(ascii: "&")) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: pair))
                appended = true
            }
            return appended
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
            var stop = start
            while stop < query.count, query[stop] != UInt8(ascii: "&") { stop += 1 }
            var equals = start
            while equals < stop, query[equals] != UInt8(ascii: "=") { equals += 1 }
            let value = equals < stop ? query[(equals + 1)..<stop] : query[stop..<stop]
            body(query[start..<stop], value, QueryField(name: query[start..<equals]))
            guard stop < query.count else { return }
            start = stop + 1
        }
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
            guard name.utf8.count >= 17, name.utf8.first == UInt8(ascii: "C") else { return nil }
            var name = name
            guard let index = name.withUTF8({ QueryField.index(of: $0[...], in: SigningParameters.cookieNameBytes) }) else { return nil }
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
