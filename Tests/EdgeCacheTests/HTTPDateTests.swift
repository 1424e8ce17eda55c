import EdgeCache
import Testing

@Suite("HTTP-date parsing and formatting")
struct HTTPDateTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example.
    let example = CacheTime(secondsSince1970: 784_111_777)

    @Test("the three forms RFC 9110 makes recipients accept parse to the same instant")
    func threeForms() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == example)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == example)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == example)
    }

    @Test("formatting gives IMF-fixdate and round-trips")
    func formatting() {
        #expect(HTTPDate.format(example) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(CacheTime(secondsSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(CacheTime(secondsSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        for seconds: Int64 in [0, 86399, 951_782_400, 1_704_067_200, 4_102_444_800, 253_402_300_799] {
            let time = CacheTime(secondsSince1970: seconds)
            #expect(HTTPDate.parse(HTTPDate.format(time)) == time, "\(seconds)")
        }
    }

    @Test("garbage, impossible dates and other zones are not dates")
    func invalid() {
        for text in [
            "", "0", "-1", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT", "Mon, 29 Feb 1900 00:00:00 GMT",
        ] {
            #expect(HTTPDate.parse(text) == nil, "\(text)")
        }
    }

    @Test("the weekday is not checked and UTC is read as GMT")
    func lenient() {
        #expect(HTTPDate.parse("Mon, 06 Nov 1994 08:49:37 GMT") == example)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 UTC") == example)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:60 GMT") == example + .seconds(22))
    }
}
