/// An instant with millisecond precision, written the way CloudFront writes `CreateTime`:
/// ISO 8601 in UTC with milliseconds, e.g. `2026-11-29T20:31:05.123Z`.
///
/// Formatted here from epoch seconds (days → civil date, proleptic Gregorian) so this
/// target needs neither Foundation nor EdgeCache.
public struct CloudFrontTimestamp: Sendable, Equatable, Comparable {
    public let secondsSince1970: Int64
    /// 0...999.
    public let milliseconds: Int

    /// `milliseconds` outside 0...999 carries into the seconds (−1 ms is 999 ms of the
    /// previous second), so any pair names one instant.
    public init(secondsSince1970: Int64, milliseconds: Int = 0) {
        let carry = Int64(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        self.secondsSince1970 = secondsSince1970 + carry
        self.milliseconds = milliseconds - Int(carry) * 1000
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.secondsSince1970, lhs.milliseconds) < (rhs.secondsSince1970, rhs.milliseconds)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var iso8601: String {
        let dayNumber = secondsSince1970 >= 0 ? secondsSince1970 / 86400 : (secondsSince1970 - 86399) / 86400
        let second = secondsSince1970 - dayNumber * 86400
        let date = Self.date(daysSince1970: dayNumber)
        return "\(Self.padded(date.year, 4))-\(Self.padded(date.month, 2))-\(Self.padded(date.day, 2))"
            + "T\(Self.padded(second / 3600, 2)):\(Self.padded(second / 60 % 60, 2)):\(Self.padded(second % 60, 2))"
            + ".\(Self.padded(Int64(milliseconds), 3))Z"
    }

    /// The civil date of a day number, counting in 400-year cycles of 146,097 days that
    /// start on 1 March 0000, so the leap day falls at the end of each counted year.
    static func date(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let sinceMarch0000 = daysSince1970 + 719_468  // 0000-03-01 is 719,468 days before 1970-01-01
        let cycle = (sinceMarch0000 >= 0 ? sinceMarch0000 : sinceMarch0000 - 146_096) / 146_097
        let dayInCycle = sinceMarch0000 - cycle * 146_097  // 0...146096
        let yearInCycle = (dayInCycle - dayInCycle / 1460 + dayInCycle / 36524 - dayInCycle / 146_096) / 365
        let dayInYear = dayInCycle - (365 * yearInCycle + yearInCycle / 4 - yearInCycle / 100)  // 0 = 1 March
        let monthFromMarch = (5 * dayInYear + 2) / 153  // 0 = March … 11 = February
        let day = dayInYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearInCycle + cycle * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let zeros = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + zeros + digits
    }
}
