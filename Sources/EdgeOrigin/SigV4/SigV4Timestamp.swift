#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The signing time in SigV4's two spellings: `20150830T123600Z` (`x-amz-date`, `X-Amz-Date`, the
/// string to sign) and `20150830` (the credential scope). Always UTC; fractions of a second are
/// dropped.
struct SigV4Timestamp: Sendable, Equatable {
    let dateTime: String
    let date: String

    init(_ instant: Date) {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        // Seconds before 1970 leave a negative remainder; borrow a day.
        let (dayNumber, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let civil = Self.civilDate(daysSince1970: dayNumber)
        let day = Self.digits(civil.year, 4) + Self.digits(civil.month, 2) + Self.digits(civil.day, 2)
        date = day
        dateTime = day + "T" + Self.digits(second / 3600, 2) + Self.digits(second / 60 % 60, 2)
            + Self.digits(second % 60, 2) + "Z"
    }

    /// Proleptic Gregorian date for a day count since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`), so no calendar or locale machinery is involved.
    private static func civilDate(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSince1970 + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
