/// Picks, from a viewer request, the parts a `CachePolicy` puts in the key.

/// Parameters of a raw query string (`a=1&b&c=`) chosen by `selection`, sorted.
/// Empty items (`a=1&&b=2`) are skipped; nothing is decoded.
func selectedQueryParameters(_ query: ArraySlice<UInt8>, _ selection: CacheKeySelection) -> [KeyPair] {
    if selection == .none || query.isEmpty { return [] }
    let items = query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
    return items.compactMap { item -> KeyPair? in
        let pair = splitPair(item)
        return selection.selects(pair.name) ? pair : nil
    }.sorted()
}

/// Values of the headers named in `names` (lower-case), in that order; several
/// fields of one name are joined with "," as RFC 9110 allows; nil when absent.
func selectedHeaderValues(
    _ headers: some Sequence<(name: String, value: String)>, _ names: [String]
) -> [[UInt8]?] {
    guard !names.isEmpty else { return [] }
    var values = [[UInt8]?](repeating: nil, count: names.count)
    for (name, value) in headers {
        guard let slot = names.firstIndex(where: { asciiEqualsLowercased(name, $0) }) else { continue }
        let trimmed = trimmedBytes(Array(value.utf8)[...])
        if values[slot] == nil {
            values[slot] = Array(trimmed)
        } else {
            values[slot]?.append(UInt8(ascii: ","))
            values[slot]?.append(contentsOf: trimmed)
        }
    }
    return values
}

/// Cookies from every `Cookie` field, chosen by `selection`, sorted.
func selectedCookies(
    _ headers: some Sequence<(name: String, value: String)>, _ selection: CacheKeySelection
) -> [KeyPair] {
    if selection == .none { return [] }
    var cookies: [KeyPair] = []
    for (name, value) in headers where asciiEqualsLowercased(name, "cookie") {
        let bytes = Array(value.utf8)
        for item in bytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            var pair = splitPair(trimmedBytes(item))
            pair.name = trimmedBytes(pair.name)
            guard !pair.name.isEmpty, selection.selects(pair.name), !isSigningCookie(pair.name) else { continue }
            cookies.append(pair)
        }
    }
    return cookies.sorted()
}

private func splitPair(_ item: ArraySlice<UInt8>) -> KeyPair {
    guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { return KeyPair(name: item, value: nil) }
    return KeyPair(name: item[..<equals], value: item[item.index(after: equals)...])
}

private func trimmedBytes(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) })
    else { return bytes[bytes.endIndex...] }
    return bytes[first...last]
}

/// CloudFront's signed-cookie names (`CloudFront-Policy`, `-Signature`, `-Key-Pair-Id`, `-Expires`,
/// `-Hash-Algorithm`): never part of a key, so one cached object serves every valid signature.
private func isSigningCookie(_ name: ArraySlice<UInt8>) -> Bool {
    let prefix = Array("CloudFront-".utf8)
    guard name.count > prefix.count, name.starts(with: prefix) else { return false }
    let rest = name.dropFirst(prefix.count)
    return ["Policy", "Signature", "Key-Pair-Id", "Expires", "Hash-Algorithm"].contains { rest.elementsEqual($0.utf8) }
}
