#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SigV4Timestamp {
    /// The instant a received `X-Amz-Date` (`20150830T123600Z`) names, or `nil` unless it is
    /// exactly that shape and a real UTC time. The text must also be what the signer would print
    /// for that instant, so `20150230T…` or `…T246000Z` are refused rather than rolled over.
    static func instant(parsing text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        let days = CivilDate.daysSince1970(year: year, month: month, day: day)
        let instant = Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
        return SigV4Timestamp(instant).dateTime == text ? instant : nil
    }
}
