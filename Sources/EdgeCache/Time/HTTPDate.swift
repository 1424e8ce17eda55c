/// HTTP-date (RFC 9110 §5.6.7) parsing and formatting, without Foundation:
/// these run per request (If-Modified-Since, Expires), where DateFormatter's
/// cost and locale surprises are not welcome.
public enum HTTPDate {
    /// Parses the three forms recipients must accept: IMF-fixdate
    /// ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form
    /// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
    /// The weekday is not checked (RFC 9110 lets recipients ignore it). Returns
    /// nil for anything else, including "0" and "-1", which callers treat as
    /// "in the past" where RFC 9111 says so (Expires).
    public static func parse(_ text: some StringProtocol) -> CacheTime? {
        let bytes = Array(text.utf8)
        let fields = bytes.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        guard let first = fields.first else { return nil }
        if first.last == UInt8(ascii: ",") {
            // IMF-fixdate: "Sun," "06" "Nov" "1994" "08:49:37" "GMT".
            if fields.count == 6 {
                return civil(day: fields[1], month: fields[2], year: fields[3], time: fields[4], zone: fields[5])
            }
            // RFC 850: "Sunday," "06-Nov-94" "08:49:37" "GMT".
            if fields.count == 4 {
                let parts = fields[1].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
                guard parts.count == 3, parts[2].count == 2, let twoDigit = number(parts[2]) else { return nil }
                // RFC 9110 reads a two-digit year as the latest past year with those digits;
                // a fixed pivot (70-99 → 19xx) is that rule for dates up to 2069.
                let year = twoDigit >= 70 ? 1900 + twoDigit : 2000 + twoDigit
                return civil(day: parts[0], month: parts[1], yearValue: year, time: fields[2], zone: fields[3])
            }
            return nil
        }
        // asctime: "Sun" "Nov" "6" "08:49:37" "1994".
        guard fields.count == 5 else { return nil }
        return civil(day: fields[2], month: fields[1], year: fields[4], time: fields[3], zone: nil)
    }

    /// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    public static func format(_ time: CacheTime) -> String {
        let seconds = time.secondsSince1970
        let days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civilFromDays(days)
        let weekday = Int((days % 7 + 7 + 4) % 7)  // 1970-01-01 was a Thursday.
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var yearText = "\(year)"
        while yearText.utf8.count < 4 { yearText = "0" + yearText }
        return "\(weekdayNames[weekday]), \(two(day)) \(monthNames[Int(month) - 1]) \(yearText) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func civil(
        day: ArraySlice<UInt8>, month: ArraySlice<UInt8>, year: ArraySlice<UInt8>,
        time: ArraySlice<UInt8>, zone: ArraySlice<UInt8>?
    ) -> CacheTime? {
        guard year.count == 4, let yearValue = number(year) else { return nil }
        return civil(day: day, month: month, yearValue: yearValue, time: time, zone: zone)
    }

    private static func civil(
        day: ArraySlice<UInt8>, month: ArraySlice<UInt8>, yearValue: Int64,
        time: ArraySlice<UInt8>, zone: ArraySlice<UInt8>?
    ) -> CacheTime? {
        if let zone, !zone.elementsEqual("GMT".utf8), !zone.elementsEqual("UTC".utf8) { return nil }
        guard (1...2).contains(day.count), let dayValue = number(day),
            let monthIndex = monthNames.firstIndex(where: { $0.utf8.elementsEqual(month) })
        else { return nil }
        let clock = time.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = number(clock[0]), let minute = number(clock[1]), let second = number(clock[2]),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        let monthValue = Int64(monthIndex + 1)
        guard dayValue >= 1, dayValue <= daysIn(month: monthValue, year: yearValue) else { return nil }
        let days = daysFromCivil(year: yearValue, month: monthValue, day: dayValue)
        // A leap second (":60") is read as the last second of the minute.
        return CacheTime(secondsSince1970: days * 86400 + hour * 3600 + minute * 60 + min(second, 59))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The inverse of `daysFromCivil`. Public for the access log's dates.
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719468
        let era = (shifted >= 0 ? shifted : shifted - 146096) / 146097
        let dayOfEra = shifted - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
