import EdgeCache

/// Writes one access log line into memory sized beforehand by ``LineLengthBound``: decimals,
/// UTC dates, durations and the two escapings, stored straight through a pointer. No Foundation,
/// no intermediate `String` and no per-byte `Array.append`: this runs once per request on an
/// event loop. Every write checks its worst case against the capacity first (one comparison per
/// field), so a wrong bound traps instead of writing past the buffer.
struct LineBytes {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        // A zero-capacity buffer may have no address; nothing is ever written to it then.
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!
        capacity = buffer.count
    }

    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The most a decimal `Int` takes (`-9223372036854775808`).
    static let maxDecimalLength = 20
    /// The most ``seconds(_:)`` takes.
    static let maxSecondsLength = 24
    /// The most ``date(_:)`` and ``timeOfDay(_:)`` take.
    static let maxDateLength = 16
    static let timeOfDayLength = 8

    private mutating func ensure(_ needed: Int) {
        precondition(count + needed <= capacity, "access log line longer than its computed bound")
    }

    mutating func byte(_ value: UInt8) {
        ensure(1)
        base[count] = value
        count += 1
    }

    mutating func ascii(_ text: StaticString) {
        ensure(text.utf8CodeUnitCount)
        (base + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    /// `value` in decimal, `-` first when negative.
    mutating func decimal(_ value: Int) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        decimal(value.magnitude, minimumDigits: 1)
    }

    /// `value` in decimal, zero-padded to `minimumDigits` (at most 20).
    mutating func decimal(_ value: UInt, minimumDigits: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = max(digits, min(minimumDigits, 20))
        ensure(digits)
        let out = base
        var remaining = value
        var position = count + digits
        let start = count
        while position > start {
            position -= 1
            out[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        count = start + digits
    }

    /// `YYYY-MM-DD`.
    mutating func date(_ civil: CivilTime) {
        if civil.year < 0 { byte(UInt8(ascii: "-")) }
        decimal(UInt(civil.year.magnitude), minimumDigits: 4)
        byte(UInt8(ascii: "-"))
        decimal(UInt(civil.month), minimumDigits: 2)
        byte(UInt8(ascii: "-"))
        decimal(UInt(civil.day), minimumDigits: 2)
    }

    /// `HH:MM:SS`.
    mutating func timeOfDay(_ civil: CivilTime) {
        decimal(UInt(civil.hour), minimumDigits: 2)
        byte(UInt8(ascii: ":"))
        decimal(UInt(civil.minute), minimumDigits: 2)
        byte(UInt8(ascii: ":"))
        decimal(UInt(civil.second), minimumDigits: 2)
    }

    /// Seconds with three decimals, rounded to the nearest millisecond (`0.002`, `12.345`);
    /// negative durations print as `0.000`.
    mutating func seconds(_ duration: Duration) {
        let (wholeSeconds, attoseconds) = duration.components
        // Clamped to 0 and ~35,000 years, so the arithmetic below cannot overflow.
        let seconds = min(max(wholeSeconds, 0), 1 << 40)
        let roundedMilliseconds = (attoseconds + 500_000_000_000_000) / 1_000_000_000_000_000
        let total = UInt(max(0, seconds * 1000 + (wholeSeconds < 0 ? 0 : roundedMilliseconds)))
        decimal(total / 1000, minimumDigits: 1)
        byte(UInt8(ascii: "."))
        decimal(total % 1000, minimumDigits: 3)
    }

    /// A W3C field value. Bytes that could end the field or the line, or be misread —
    /// controls, space, DEL, `"`, `\` and every byte of a non-ASCII character — become `%XX`, as
    /// CloudFront URL-encodes them (`Slackbot%201.0%20(+https://…)`). `%` itself is kept so a
    /// path prints as the viewer sent it. Empty prints `-`. Takes at most 3 bytes per byte.
    mutating func w3cField(_ value: String) {
        withUTF8(value) { bytes in
            if bytes.isEmpty {
                byte(UInt8(ascii: "-"))
                return
            }
            ensure(bytes.count * 3)
            // Locals, not `self.count`: stores through `base` could alias it and force reloads.
            let out = base
            var position = count
            if !bytes.contains(where: Self.needsPercentEncoding), let source = bytes.baseAddress {
                (out + position).update(from: source, count: bytes.count)
                position += bytes.count
            } else {
                for byte in bytes {
                    if Self.needsPercentEncoding(byte) {
                        out[position] = UInt8(ascii: "%")
                        out[position + 1] = Self.hexDigit(byte >> 4)
                        out[position + 2] = Self.hexDigit(byte & 0x0F)
                        position += 3
                    } else {
                        out[position] = byte
                        position += 1
                    }
                }
            }
            count = position
        }
    }

    /// A JSON string, quotes included: `"` and `\` are backslash-escaped, controls and DEL are
    /// `\u00XX`, and everything else is copied — non-ASCII characters included, which a Swift
    /// string holds as well-formed UTF-8, so the line is valid UTF-8 too. Takes at most
    /// 6 bytes per byte, plus the quotes.
    mutating func jsonString(_ value: String) {
        withUTF8(value) { bytes in
            ensure(bytes.count * 6 + 2)
            let out = base
            var position = count
            out[position] = UInt8(ascii: "\"")
            position += 1
            if !bytes.contains(where: Self.needsJSONEscape), let source = bytes.baseAddress {
                (out + position).update(from: source, count: bytes.count)
                position += bytes.count
            } else {
                for byte in bytes {
                    if !Self.needsJSONEscape(byte) {
                        out[position] = byte
                        position += 1
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        out[position] = UInt8(ascii: "\\")
                        out[position + 1] = byte
                        position += 2
                    } else {
                        (out + position).update(from: Self.unicodeEscapePrefix.utf8Start, count: 4)
                        out[position + 4] = Self.hexDigit(byte >> 4)
                        out[position + 5] = Self.hexDigit(byte & 0x0F)
                        position += 6
                    }
                }
            }
            out[position] = UInt8(ascii: "\"")
            count = position + 1
        }
    }

    private static func needsPercentEncoding(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func needsJSONEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static let unicodeEscapePrefix: StaticString = "\\u00"

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "A") &+ nibble &- 10
    }

    /// `value`'s UTF-8 without copying it (native strings, small ones included, are contiguous).
    private func withUTF8(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if value.utf8.withContiguousStorageIfAvailable(body) == nil {
            var copy = value
            copy.withUTF8(body)
        }
    }
}

/// A UTC calendar date and time of day, from nanoseconds since 1970 (proleptic Gregorian, so
/// any year; the date from EdgeCache's `HTTPDate.civilFromDays`).
struct CivilTime: Equatable {
    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int

    init(nanosecondsSince1970 nanoseconds: Int64) {
        // Rounded toward negative infinity, so moments before 1970 land in the right second and day.
        var seconds = nanoseconds / 1_000_000_000
        if nanoseconds % 1_000_000_000 < 0 { seconds -= 1 }
        var days = seconds / 86_400
        if seconds % 86_400 < 0 { days -= 1 }
        let secondOfDay = Int(seconds - days * 86_400)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        let date = EdgeCache.HTTPDate.civilFromDays(days)
        year = Int(date.year)
        month = Int(date.month)
        day = Int(date.day)
    }
}
