/// Parsers for the human-friendly units operators write: durations and sizes.
/// They only recognise the syntax; range checks are done by the readers.

/// Milliseconds for "500ms", "10s", "2m", "1h", "1d", "1m30s", or a bare number of
/// seconds; nil when the text is not a duration or does not fit in an Int64.
func parseMilliseconds(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else { return nil }
    if bytes.allSatisfy(isDigit) {
        guard let seconds = Int64(text) else { return nil }
        return multiplyAdd(0, seconds, 1000)
    }
    var total: Int64 = 0
    var index = 0
    while index < bytes.count {
        let numberStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let unitStart = index
        while index < bytes.count, !isDigit(bytes[index]) { index += 1 }
        guard unitStart > numberStart,
            let number = Int64(String(decoding: bytes[numberStart..<unitStart], as: UTF8.self)),
            let scale = durationScale(String(decoding: bytes[unitStart..<index], as: UTF8.self)),
            let sum = multiplyAdd(total, number, scale)
        else { return nil }
        total = sum
    }
    return total
}

/// Bytes for "16384", "16k", "16KiB", "1MiB", "2g" (case-insensitive, powers of
/// 1024); nil when the text is not a size or overflows.
func parseBytes(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    let digits = bytes.prefix(while: isDigit)
    guard !digits.isEmpty,
        let number = Int64(String(decoding: digits, as: UTF8.self))
    else { return nil }
    let unit = String(decoding: bytes[digits.count...], as: UTF8.self).lowercased()
    let scale: Int64
    switch unit {
    case "", "b": scale = 1
    case "k", "kib": scale = 1 << 10
    case "m", "mib": scale = 1 << 20
    case "g", "gib": scale = 1 << 30
    default: return nil
    }
    return multiplyAdd(0, number, scale).flatMap { Int(exactly: $0) }
}

private func durationScale(_ unit: String) -> Int64? {
    switch unit {
    case "ms": return 1
    case "s": return 1000
    case "m": return 60_000
    case "h": return 3_600_000
    case "d": return 86_400_000
    default: return nil
    }
}

/// `base + number * scale`, or nil on overflow.
private func multiplyAdd(_ base: Int64, _ number: Int64, _ scale: Int64) -> Int64? {
    let (product, overflow) = number.multipliedReportingOverflow(by: scale)
    guard !overflow else { return nil }
    let (sum, sumOverflow) = base.addingReportingOverflow(product)
    return sumOverflow ? nil : sum
}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}
