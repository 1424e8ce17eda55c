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
        let civil = CivilDate.civilDate(daysSince1970: dayNumber)
        let day = CivilDate.pad(civil.year, 4) + CivilDate.pad(civil.month, 2) + CivilDate.pad(civil.day, 2)
        date = day
        dateTime = day + "T" + CivilDate.pad(second / 3600, 2) + CivilDate.pad(second / 60 % 60, 2)
            + CivilDate.pad(second % 60, 2) + "Z"
    }
}
