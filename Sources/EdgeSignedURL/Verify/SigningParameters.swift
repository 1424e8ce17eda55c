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

    /// Appends the query's non-signing pairs to `output`, `&`-separated; returns whether any was
    /// appended.
    @discardableResult
    static func appendQuery(_ query: String, strippedInto output: inout [UInt8]) -> Bool {
        var appended = false
        forEachPair(in: query) { pair, field in
            guard field == nil else { return }
            if appended { output.append(UInt8(ascii: "&")) }
            output.append(contentsOf: pair)
            appended = true
        }
        return appended
    }

    /// The query's `&`-separated pairs with the signing field each names, if any: the name is
    /// the text before the first `=` (a pair without `=` is all name).
    static func forEachPair(in query: String, _ body: (Substring.UTF8View, QueryField?) -> Void) {
        let text = Substring(query)
        var start = text.utf8.startIndex
        let end = text.utf8.endIndex
        while true {
            let stop = text.utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? end
            let pair = text.utf8[start..<stop]
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? stop
            body(pair, QueryField(name: pair[..<equals]))
            guard stop < end else { return }
            start = text.utf8.index(after: stop)
        }
    }

    /// One of the five signing fields, whichever way it travels.
    enum QueryField: Int, CaseIterable {
        case expires, policy, signature, keyPairID, hashAlgorithm

        init?(name: Substring.UTF8View) {
            guard let index = SigningParameters.queryNames.firstIndex(where: { $0.utf8.elementsEqual(name) }) else { return nil }
            self.init(rawValue: index)
        }

        init?(cookieName name: some StringProtocol) {
            guard name.utf8.starts(with: "CloudFront-".utf8),
                let index = SigningParameters.cookieNames.firstIndex(where: { $0.utf8.elementsEqual(name.utf8) })
            else { return nil }
            self.init(rawValue: index)
        }

        /// How the field is called where it was found, for `Denial.malformed`.
        func name(in source: Grant.Source) -> String {
            source == .url ? SigningParameters.queryNames[rawValue] : SigningParameters.cookieNames[rawValue]
        }
    }
}
