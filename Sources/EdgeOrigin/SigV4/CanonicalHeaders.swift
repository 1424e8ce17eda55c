/// The canonical headers block and signed-headers list of a canonical request.
///
/// Names are lower-cased and sorted byte-wise; values are trimmed and every run of whitespace
/// inside them (folded continuation lines included) becomes one space; repeated names are
/// joined with `,` in the order given.
struct CanonicalHeaders {
    /// `name:value\n` for each header, sorted by name.
    let block: String
    /// The sorted names joined with `;`, e.g. `host;range;x-amz-content-sha256;x-amz-date`.
    let signedNames: String
    let containsHost: Bool

    init(_ headers: [(name: String, value: String)]) {
        var values: [String: [String]] = [:]
        for header in headers {
            values[Self.canonicalName(header.name), default: []].append(Self.trimmed(header.value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        block = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        signedNames = names.joined(separator: ";")
        containsHost = values["host"] != nil
    }

    static func canonicalName(_ name: String) -> String {
        String(decoding: trimmedBytes(name.utf8).map(lowercasedASCII), as: UTF8.self)
    }

    /// The value with leading and trailing whitespace removed and inner runs collapsed to " ".
    static func trimmed(_ value: String) -> String {
        var output: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if isWhitespace(byte) {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(UInt8(ascii: " ")) }
                pendingSpace = false
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func trimmedBytes(_ bytes: String.UTF8View) -> ArraySlice<UInt8> {
        let array = Array(bytes)
        guard let first = array.firstIndex(where: { !isWhitespace($0) }),
            let last = array.lastIndex(where: { !isWhitespace($0) })
        else { return [] }
        return array[first...last]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }
}

/// The canonical query string: names and values encoded once, pairs sorted by encoded name and
/// then encoded value, `=` present even for empty values.
enum CanonicalQuery {
    static func make(_ items: [(name: String, value: String)]) -> String {
        sortedAndJoined(encodedPairs(items))
    }

    /// Pairs already encoded, sorted by name and then value, as `name=value` joined with `&`.
    static func sortedAndJoined(_ pairs: [(name: String, value: String)]) -> String {
        pairs
            .sorted { lhs, rhs in
                lhs.name == rhs.name
                    ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                    : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
            }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The same pairs in the order given, for the query string that goes on the wire.
    static func wireForm(_ items: [(name: String, value: String)]) -> String {
        encodedPairs(items).map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    private static func encodedPairs(_ items: [(name: String, value: String)]) -> [(name: String, value: String)] {
        items.map { (URIEncoding.encodeComponent($0.name), URIEncoding.encodeComponent($0.value)) }
    }
}
