/// The signing fields of one request, from the query or from the cookies, percent-decoded, and
/// the resource they sign for: read in one pass over the query.
struct SignedFields {
    typealias Field = SigningParameters.QueryField

    /// The request's cookies, as the caller has them.
    enum Cookies {
        /// The `Cookie` field values as received: only the `CloudFront-*` items are looked at,
        /// in place, and only when the URL carries no signature.
        case headers([String])
        /// Name/value pairs already split.
        case pairs([(name: String, value: String)])
    }

    var source: Grant.Source
    /// `ViewerURL.resourceBytes()` of the request.
    private(set) var resource: [UInt8] = []
    /// The fields' percent-decoded values, one after the other: one allocation for all of them
    /// (this runs on every request to a restricted path).
    private var storage: [UInt8] = []
    private var ranges = InlineArray<5, Range<Int>?>(repeating: nil)

    subscript(field: Field) -> ArraySlice<UInt8>? { ranges[field.rawValue].map { storage[$0] } }

    private init(source: Grant.Source, capacity: Int) {
        self.source = source
        storage.reserveCapacity(capacity)
    }

    /// The query's fields when it has any of `Expires`, `Policy`, `Signature`, `Key-Pair-Id`
    /// (CloudFront then ignores the cookies), else the `CloudFront-*` cookies'.
    static func find(url: ViewerURL, cookies: Cookies) -> Result<SignedFields, Denial> {
        var fields = SignedFields(source: .url, capacity: url.query?.utf8.count ?? 0)
        var problem: Denial? = nil
        var signed = false
        let resource = url.resourceBytes { field, value in
            guard problem == nil else { return }
            if field != .hashAlgorithm { signed = true }
            problem = fields.set(field, raw: value)
        }
        if signed {
            if let problem { return .failure(problem) }
            fields.resource = resource
            return .success(fields)
        }
        fields = SignedFields(source: .cookies, capacity: 1024)
        fields.resource = resource
        signed = false
        problem = nil
        func cookie(name: SigningParameters.Bytes, value: SigningParameters.Bytes) {
            guard problem == nil, let field = Field(cookieName: name) else { return }
            if field != .hashAlgorithm { signed = true }
            var raw = value
            // RFC 6265 allows a cookie value in double quotes.
            if raw.count >= 2, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\"") {
                raw = raw.dropFirst().dropLast()
            }
            problem = fields.set(field, raw: raw)
        }
        switch cookies {
        case .headers(let headers):
            for var header in headers where problem == nil {
                header.withUTF8 { SigningParameters.forEachCookie(in: $0, cookie) }
            }
        case .pairs(let pairs):
            for pair in pairs where problem == nil {
                var name = pair.name
                var value = pair.value
                name.withUTF8 { name in value.withUTF8 { value in cookie(name: name[...], value: value[...]) } }
            }
        }
        if let problem { return .failure(problem) }
        return signed ? .success(fields) : .failure(.missing)
    }

    private mutating func set(_ field: Field, raw: SigningParameters.Bytes) -> Denial? {
        guard ranges[field.rawValue] == nil else { return .malformed("\(field.name(in: source)) appears more than once") }
        let start = storage.count
        guard SignedFields.appendPercentDecoded(raw, to: &storage) else {
            storage.removeSubrange(start...)
            return .malformed("\(field.name(in: source)) has a broken percent-escape")
        }
        ranges[field.rawValue] = start..<storage.count
        return nil
    }

    /// Appends `raw` with its `%XX` escapes decoded; false at a broken escape.
    private static func appendPercentDecoded(_ raw: SigningParameters.Bytes, to output: inout [UInt8]) -> Bool {
        guard raw.contains(UInt8(ascii: "%")) else {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: raw))
            return true
        }
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 2 < raw.endIndex, let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2]) else {
                return false
            }
            output.append(high << 4 | low)
            index += 3
        }
        return true
    }
}
