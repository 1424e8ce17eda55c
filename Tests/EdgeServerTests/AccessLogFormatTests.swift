import EdgeServer
import Foundation
import Testing

/// Records used by the access log tests.
enum AccessLogSamples {
    /// 2019-12-04 21:02:31 UTC (CloudFront's documentation example day): 18,234 days after
    /// 1970-01-01 (49 years with 12 leap days to 2019-01-01, then 334 days to December 1st and
    /// 3 more) × 86,400 s, plus 21 h 2 min 31 s = 75,751 s → 1,575,493,351 s; plus 0.123456789 s,
    /// which `time` drops.
    static let startTime: Int64 = 1_575_493_351_123_456_789

    /// Every field set.
    static let full = AccessLogRecord(
        startTime: startTime,
        edgeLocation: "LAX1-s3edge",
        bytesSent: 1392,
        clientIP: "192.0.2.100",
        clientPort: 49152,
        method: "GET",
        host: "media.example.com",
        uriStem: "/videos/intro.mp4",
        status: 206,
        referer: "https://www.example.com/start",
        userAgent: "Mozilla/5.0 (X11; Linux x86_64) curl/8.5",
        uriQuery: "quality=hd&t=%2010",
        cookie: "session=abc",
        edgeResultType: .hit,
        requestID: "nvhK3T6t-1ugkWRs_dkuc5rKbkD8vz0xwN-QSmK6hJuHe-TFvBgYsQ==",
        hostHeader: "media.example.com",
        protocol: .https,
        requestBytes: 154,
        timeTaken: .microseconds(1_800),
        forwardedFor: "198.51.100.7",
        sslProtocol: "TLSv1.3",
        sslCipher: "TLS_AES_128_GCM_SHA256",
        edgeResponseResultType: .hit,
        protocolVersion: .http2,
        timeToFirstByte: .microseconds(1_000),
        edgeDetailedResultType: nil,
        contentType: "video/mp4",
        contentLength: 1000,
        rangeStart: 0,
        rangeEnd: 999,
        distributionID: "EDFDVBD6EXAMPLE"
    )

    /// Only what every request has.
    static let minimal = AccessLogRecord(
        startTime: 1_575_493_351_000_000_000, edgeLocation: "edge1", bytesSent: 0, clientIP: "::1",
        method: "GET", uriStem: "/", status: 400, edgeResultType: .error, requestID: "r1",
        protocol: .http, requestBytes: 0, timeTaken: .zero, protocolVersion: .http1_1
    )

    static func fields(_ line: String) -> [String] {
        line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
}

@Suite struct AccessLogFormatTests {
    let w3c = AccessLogFormatter(format: .w3c)
    let json = AccessLogFormatter(format: .json)

    // MARK: W3C

    @Test func w3cFullRecordFollowsCloudFrontsFieldOrder() {
        let line = AccessLogFormatter(format: .w3c, logCookies: true).line(AccessLogSamples.full)
        // CloudFront's 33 fields in order, then x-distribution-id. Spaces in the user agent are
        // URL-encoded as in CloudFront's own logs; `%20` already in the query is kept as sent;
        // 1.8 ms rounds to 0.002; fle-status and fle-encrypted-fields never apply; the detailed
        // result type repeats the result type, as CloudFront does when it is not an error.
        let expected = "2019-12-04\t21:02:31\tLAX1-s3edge\t1392\t192.0.2.100\tGET\tmedia.example.com\t"
            + "/videos/intro.mp4\t206\thttps://www.example.com/start\t"
            + "Mozilla/5.0%20(X11;%20Linux%20x86_64)%20curl/8.5\tquality=hd&t=%2010\tsession=abc\t"
            + "Hit\tnvhK3T6t-1ugkWRs_dkuc5rKbkD8vz0xwN-QSmK6hJuHe-TFvBgYsQ==\tmedia.example.com\thttps\t"
            + "154\t0.002\t198.51.100.7\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t49152\t"
            + "0.001\tHit\tvideo/mp4\t1000\t0\t999\tEDFDVBD6EXAMPLE\n"
        #expect(line == expected)
    }

    @Test func w3cMinimalRecordPrintsDashesForWhatIsMissing() {
        // Missing values are `-`; the response and detailed result types fall back to the result type.
        let expected = "2019-12-04\t21:02:31\tedge1\t0\t::1\tGET\t-\t/\t400\t-\t-\t-\t-\tError\tr1\t-\thttp\t"
            + "0\t0.000\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t-\t-\tError\t-\t-\t-\t-\t-\n"
        #expect(w3c.line(AccessLogSamples.minimal) == expected)
    }

    @Test func cookiesAreLoggedOnlyWhenAskedFor() {
        #expect(AccessLogSamples.fields(w3c.line(AccessLogSamples.full))[12] == "-")
        #expect(AccessLogSamples.fields(AccessLogFormatter(format: .w3c, logCookies: true).line(AccessLogSamples.full))[12] == "session=abc")
        #expect(!json.line(AccessLogSamples.full).contains("session=abc"))
        #expect(AccessLogFormatter(format: .json, logCookies: true).line(AccessLogSamples.full).contains("\"cs(Cookie)\":\"session=abc\""))
    }

    @Test func w3cHeaderNamesEveryFieldInLineOrder() {
        let header = String(decoding: w3c.fileHeader, as: UTF8.self)
        // CloudFront's standard-log header, field names from its documentation, plus ours.
        let expected = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) "
            + "cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type "
            + "x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol "
            + "ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields "
            + "c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
            + "sc-range-start sc-range-end x-distribution-id\n"
        #expect(header == expected)
        let names = header.split(separator: "\n")[1].dropFirst("#Fields: ".count).split(separator: " ")
        #expect(names.count == AccessLogSamples.fields(w3c.line(AccessLogSamples.full)).count)
        #expect(json.fileHeader.isEmpty)
    }

    @Test func w3cHostileValuesCannotSplitOrForgeALine() {
        var record = AccessLogSamples.minimal
        // Invalid UTF-8 in the path: 0xFF and a truncated 0xC3 each became U+FFFD (EF BF BD) when
        // the string was made from the wire's bytes.
        record.uriStem = String(decoding: Array("/a b\tc\nd\r\"e\\f%41é".utf8) + [0xFF, 0xC3], as: UTF8.self)
        // A user agent that tries to end the line and start a forged one.
        record.userAgent = "evil\t-\n2019-12-04\t00:00:00\tforged"
        record.referer = "nul\u{0}del\u{7F}"
        record.hostHeader = ""
        let line = w3c.line(record)
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
        let fields = AccessLogSamples.fields(String(line.dropLast()))
        #expect(fields.count == 34)
        #expect(fields[7] == "/a%20b%09c%0Ad%0D%22e%5Cf%41%C3%A9%EF%BF%BD%EF%BF%BD")
        #expect(fields[9] == "nul%00del%7F")
        #expect(fields[10] == "evil%09-%0A2019-12-04%0900:00:00%09forged")
        #expect(fields[15] == "-")
        #expect(line.unicodeScalars.allSatisfy { $0 == "\t" || $0 == "\n" || (0x21...0x7E).contains($0.value) })
    }

    @Test func requestTargetsSplitAtTheFirstQuestionMark() {
        #expect(AccessLogRecord.splitTarget("/a/b.jpg?x=1?y=2") == ("/a/b.jpg", "x=1?y=2"))
        #expect(AccessLogRecord.splitTarget("/a/b.jpg") == ("/a/b.jpg", nil))
        let (stem, query) = AccessLogRecord.splitTarget("/a?")
        var record = AccessLogSamples.minimal
        record.uriStem = stem
        record.uriQuery = query
        // An empty query prints like no query, as in CloudFront's logs.
        #expect(AccessLogSamples.fields(w3c.line(record))[7...11] == ["/a", "400", "-", "-", "-"])
    }

    @Test func helpersGiveTheClockAndTheHostName() {
        let now = AccessLogRecord.currentTime()
        #expect(abs(Double(now) / 1e9 - Date().timeIntervalSince1970) < 5)
        var name = utsname()
        uname(&name)
        let nodename = withUnsafeBytes(of: &name.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(AccessLogRecord.defaultEdgeLocation() == (nodename.isEmpty ? "s3edge" : nodename))
    }

    @Test func valuesThatEscapeToTheWorstCaseFitTheirLine() throws {
        // 20,000 spaces escape to 60,000 bytes (W3C) and 20,000 controls to 120,000 (JSON):
        // far past any stack buffer, and exactly each escaping's worst case.
        var record = AccessLogSamples.minimal
        record.cookie = String(repeating: " ", count: 20_000)
        record.userAgent = String(repeating: "\u{1}", count: 20_000)
        record.status = Int.min
        record.timeTaken = .seconds(Int64.max)
        let w3cFields = AccessLogSamples.fields(String(AccessLogFormatter(format: .w3c, logCookies: true).line(record).dropLast()))
        #expect(w3cFields.count == 34)
        #expect(w3cFields[8] == "-9223372036854775808")
        #expect(w3cFields[12] == String(repeating: "%20", count: 20_000))
        #expect(w3cFields[10] == String(repeating: "%01", count: 20_000))
        let line = AccessLogFormatter(format: .json, logCookies: true).line(record)
        #expect(line.contains(#""cs(User-Agent)":""# + String(repeating: #"\u0001"#, count: 20_000) + #"""#))
        #expect(try parse(line)["cs(Cookie)"] as? String == record.cookie)
    }

    @Test func timesArePrintedInSecondsToTheMillisecond() {
        func timeTaken(_ duration: Duration) -> String {
            var record = AccessLogSamples.minimal
            record.timeTaken = duration
            return AccessLogSamples.fields(w3c.line(record))[18]
        }
        #expect(timeTaken(.milliseconds(2)) == "0.002")
        #expect(timeTaken(.microseconds(1_234_499)) == "1.234")
        #expect(timeTaken(.microseconds(1_234_500)) == "1.235")
        #expect(timeTaken(.nanoseconds(999_999_999)) == "1.000")
        #expect(timeTaken(.seconds(61)) == "61.000")
        #expect(timeTaken(.milliseconds(-5)) == "0.000")
    }

    // MARK: JSON

    @Test func jsonFullRecordUsesCloudFrontNamesAndNumbers() throws {
        let line = AccessLogFormatter(format: .json, logCookies: true).line(AccessLogSamples.full)
        let expected = #"{"date":"2019-12-04","time":"21:02:31","x-edge-location":"LAX1-s3edge","sc-bytes":1392,"#
            + #""c-ip":"192.0.2.100","cs-method":"GET","cs(Host)":"media.example.com","cs-uri-stem":"/videos/intro.mp4","#
            + #""sc-status":206,"cs(Referer)":"https://www.example.com/start","#
            + #""cs(User-Agent)":"Mozilla/5.0 (X11; Linux x86_64) curl/8.5","cs-uri-query":"quality=hd&t=%2010","#
            + #""cs(Cookie)":"session=abc","x-edge-result-type":"Hit","#
            + #""x-edge-request-id":"nvhK3T6t-1ugkWRs_dkuc5rKbkD8vz0xwN-QSmK6hJuHe-TFvBgYsQ==","#
            + #""x-host-header":"media.example.com","cs-protocol":"https","cs-bytes":154,"time-taken":0.002,"#
            + #""x-forwarded-for":"198.51.100.7","ssl-protocol":"TLSv1.3","ssl-cipher":"TLS_AES_128_GCM_SHA256","#
            + #""x-edge-response-result-type":"Hit","cs-protocol-version":"HTTP/2.0","fle-status":null,"#
            + #""fle-encrypted-fields":null,"c-port":49152,"time-to-first-byte":0.001,"#
            + #""x-edge-detailed-result-type":"Hit","sc-content-type":"video/mp4","sc-content-len":1000,"#
            + #""sc-range-start":0,"sc-range-end":999,"x-distribution-id":"EDFDVBD6EXAMPLE"}"# + "\n"
        #expect(line == expected)
        let object = try parse(line)
        #expect(object["sc-status"] as? Int == 206)
        #expect(object["time-taken"] as? Double == 0.002)
    }

    @Test func jsonMinimalRecordHasNullsForWhatIsMissing() throws {
        let expected = #"{"date":"2019-12-04","time":"21:02:31","x-edge-location":"edge1","sc-bytes":0,"c-ip":"::1","#
            + #""cs-method":"GET","cs(Host)":null,"cs-uri-stem":"/","sc-status":400,"cs(Referer)":null,"#
            + #""cs(User-Agent)":null,"cs-uri-query":null,"cs(Cookie)":null,"x-edge-result-type":"Error","#
            + #""x-edge-request-id":"r1","x-host-header":null,"cs-protocol":"http","cs-bytes":0,"time-taken":0.000,"#
            + #""x-forwarded-for":null,"ssl-protocol":null,"ssl-cipher":null,"x-edge-response-result-type":"Error","#
            + #""cs-protocol-version":"HTTP/1.1","fle-status":null,"fle-encrypted-fields":null,"c-port":null,"#
            + #""time-to-first-byte":null,"x-edge-detailed-result-type":"Error","sc-content-type":null,"#
            + #""sc-content-len":null,"sc-range-start":null,"sc-range-end":null,"x-distribution-id":null}"# + "\n"
        let line = json.line(AccessLogSamples.minimal)
        #expect(line == expected)
        #expect(try parse(line).count == 34)
    }

    @Test func jsonHostileValuesStayInsideTheirStrings() throws {
        var record = AccessLogSamples.minimal
        let path = String(decoding: Array("/a b\tc\nd\r\"e\\f%41é".utf8) + [0xFF, 0xC3], as: UTF8.self)
        record.uriStem = path
        // Tries to close the string and add its own status.
        record.userAgent = #"x","sc-status":200,"y":""#
        record.referer = "nul\u{0}del\u{7F}"
        let line = json.line(record)
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
        // Controls are \u00XX; `"` and `\` are backslash-escaped; é and U+FFFD are UTF-8.
        #expect(line.contains(#""cs-uri-stem":"/a b\u0009c\u000Ad\u000D\"e\\f%41é\#u{FFFD}\#u{FFFD}""#))
        #expect(line.contains(#""cs(Referer)":"nul\u0000del\u007F""#))
        let object = try parse(line)
        #expect(object["cs-uri-stem"] as? String == path)
        #expect(object["cs(User-Agent)"] as? String == #"x","sc-status":200,"y":""#)
        #expect(object["sc-status"] as? Int == 400)
        #expect(object["cs(Referer)"] as? String == "nul\u{0}del\u{7F}")
    }

    private func parse(_ line: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(value as? [String: Any])
    }

    // MARK: Dates

    /// `date` and `time` of a moment, as the W3C line prints them.
    private func dateTime(seconds: Int64, nanoseconds: Int64 = 0) -> String {
        var record = AccessLogSamples.minimal
        record.startTime = seconds * 1_000_000_000 + nanoseconds
        return AccessLogSamples.fields(w3c.line(record))[0...1].joined(separator: " ")
    }

    @Test func dayBoundariesInUTC() {
        #expect(dateTime(seconds: 0) == "1970-01-01 00:00:00")
        #expect(dateTime(seconds: 86_399, nanoseconds: 999_999_999) == "1970-01-01 23:59:59")
        #expect(dateTime(seconds: 86_400) == "1970-01-02 00:00:00")
        // One nanosecond before the epoch is still in 1969's last second.
        #expect(dateTime(seconds: 0, nanoseconds: -1) == "1969-12-31 23:59:59")
        // 2000-01-01 is 10,957 days after 1970-01-01 (30 years, 7 leap days).
        #expect(dateTime(seconds: 946_684_799) == "1999-12-31 23:59:59")
        #expect(dateTime(seconds: 946_684_800) == "2000-01-01 00:00:00")
    }

    @Test func leapYearsAndCenturies() {
        // 2000 is a leap year (divisible by 400): day 10,957 + 59 = 11,016 is February 29th.
        #expect(dateTime(seconds: 11_016 * 86_400 + 86_399) == "2000-02-29 23:59:59")
        #expect(dateTime(seconds: 11_017 * 86_400) == "2000-03-01 00:00:00")
        // 2024: 19,723 days to January 1st (54 years, 13 leap days), + 59 → February 29th.
        #expect(dateTime(seconds: 19_782 * 86_400) == "2024-02-29 00:00:00")
        // 2023 is not: February 28th is followed by March 1st. 2023-01-01 is day 19,358.
        #expect(dateTime(seconds: (19_358 + 58) * 86_400 + 86_399) == "2023-02-28 23:59:59")
        #expect(dateTime(seconds: (19_358 + 59) * 86_400) == "2023-03-01 00:00:00")
        // 2100 is not (divisible by 100, not 400): 2100-01-01 is day 47,482 (130 years, 32 leap days).
        #expect(dateTime(seconds: (47_482 + 58) * 86_400 + 86_399) == "2100-02-28 23:59:59")
        #expect(dateTime(seconds: (47_482 + 59) * 86_400) == "2100-03-01 00:00:00")
        // Nor was 1900: 1900-01-01 is day -25,567 (70 years, 17 leap days before 1970).
        #expect(dateTime(seconds: (-25_567 + 58) * 86_400 + 86_399) == "1900-02-28 23:59:59")
        #expect(dateTime(seconds: (-25_567 + 59) * 86_400) == "1900-03-01 00:00:00")
    }

    @Test func datesAgreeWithTheCLibrary() {
        // A sweep of 1900–2200 in steps that land on every time of day, against gmtime_r.
        var seconds: Int64 = -2_208_988_800
        while seconds < 7_258_118_400 {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1,
                                  parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
            #expect(dateTime(seconds: seconds) == expected)
            seconds += 3_599_999
        }
    }
}
