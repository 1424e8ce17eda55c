@testable import EdgeSignedURL
import Testing

@Suite struct PolicyJSONReaderTests {
    func parse(_ text: String) -> Result<JSONValue, PolicyError> {
        Result { () throws(PolicyError) in try PolicyJSONReader.parse(Array(text.utf8)) }
    }

    @Test func readsTheValueKinds() throws {
        let value = try parse(#" { "a" : [1, -2.5e3, "x\u00e9\ud83d\ude00\n\"\\\/", true, false, null, {}] } "#).get()
        #expect(value == .object([(key: "a", value: .array([
            .number("1"), .number("-2.5e3"), .string("xé😀\n\"\\/"), .bool(true), .bool(false), .null, .object([]),
        ]))]))
    }

    @Test(arguments: [
        "", "{", "{\"a\":1", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
        "{\"a\":+1}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}", "{} {}", "{}x", "\u{FEFF}{}", "{\"a\":NaN}",
    ])
    func refusesWhatRFC8259Refuses(_ text: String) {
        guard case .failure = parse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
    }

    @Test func refusesInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(throws: PolicyError.self) { try PolicyJSONReader.parse(bytes) }
    }

    @Test func limitsSizeAndDepth() {
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        #expect(throws: PolicyError.self) { try PolicyJSONReader.parse(Array(deep.utf8)) }
        let shallow = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect(throws: Never.self) { try PolicyJSONReader.parse(Array(shallow.utf8)) }
        let large = "\"" + String(repeating: "a", count: PolicyJSONReader.maximumBytes - 1) + "\""
        #expect(throws: PolicyError("policy is 8193 bytes, more than the 8192 accepted")) { try PolicyJSONReader.parse(Array(large.utf8)) }
    }
}

@Suite struct PolicyStatementTests {
    func parse(_ text: String) -> Result<PolicyStatement, PolicyError> {
        Result { () throws(PolicyError) in try PolicyStatement.parseCustom(Array(text.utf8)) }
    }

    @Test func readsAllConditionsInAnyOrderAndWithWhitespace() throws {
        // The Developer Guide's example, as printed (whitespace, IpAddress first).
        let statement = try parse("""
            {
               "Statement": [
                  {
                     "Resource":"http://*",
                     "Condition":{
                        "IpAddress":{"AWS:SourceIp":"192.0.2.10/32"},
                        "DateGreaterThan":{"AWS:EpochTime":1357034400},
                        "DateLessThan":{"AWS:EpochTime":1357120800}
                     }
                  }
               ]
            }

            """).get()
        #expect(statement == PolicyStatement(resource: ResourcePattern("http://*"), dateLessThan: 1_357_120_800,
                                             dateGreaterThan: 1_357_034_400, sourceIP: IPAddressRange("192.0.2.10/32")))
    }

    @Test func theResourceIsOptional() throws {
        let statement = try parse(#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}"#).get()
        #expect(statement.resource == nil)
        #expect(statement.evaluate(resourceURL: Array("https://any.example/x".utf8), clientIP: nil, now: 9) == nil)
    }

    @Test(arguments: [
        (#"{"Statement":[]}"#, "policy has 0 statements; CloudFront allows exactly one"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
         "policy has 2 statements; CloudFront allows exactly one"),
        (#"{"Statement":{"Condition":{}}}"#, "policy has no Statement array"),
        (#"[]"#, "policy: the policy is not an object"),
        (#"{"Statement":[{"Resource":"x"}]}"#, "policy has no Condition"),
        (#"{"Statement":[{"Resource":"x","Condition":{}}]}"#, "policy has no DateLessThan (CloudFront requires an expiry)"),
        (#"{"Statement":[{"Resource":"x","Effect":"Allow","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
         "policy: unknown member \"Effect\" in the statement"),
        (#"{"Statement":[{"Resource":"a","Resource":"b","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
         "policy: Resource appears twice in the statement"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"1"}}}]}"#, "policy DateLessThan needs AWS:EpochTime as a number"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1.5}}}]}"#,
         "policy DateLessThan AWS:EpochTime 1.5 is not a whole number of seconds"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":-1}}}]}"#,
         "policy DateLessThan AWS:EpochTime -1 is not a whole number of seconds"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"aws:epochtime":1}}}]}"#, "policy: unknown member \"aws:epochtime\" in DateLessThan"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":9},"IpAddress":{"AWS:SourceIp":["1.2.3.4/32"]}}}]}"#,
         "policy IpAddress needs one AWS:SourceIp string (a list is not allowed)"),
        (#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":9},"IpAddress":{"AWS:SourceIp":"1.2.3.4/40"}}}]}"#,
         "policy AWS:SourceIp \"1.2.3.4/40\" is not an IPv4 or IPv6 address or CIDR range"),
        (#"{"Statement":[{"Resource":7,"Condition":{"DateLessThan":{"AWS:EpochTime":9}}}]}"#, "policy Resource is not a string"),
    ])
    func refusesWhatCloudFrontDoesNotDefine(_ text: String, _ reason: String) {
        #expect(parse(text) == .failure(PolicyError(reason)))
    }

    @Test func evaluatesTimeThenAddressThenResource() throws {
        let statement = PolicyStatement(resource: ResourcePattern("https://h/a/*"), dateLessThan: 100, dateGreaterThan: 50,
                                        sourceIP: IPAddressRange("192.0.2.0/24"))
        let inside = IPAddress("192.0.2.9")
        let url = Array("https://h/a/b".utf8)
        #expect(statement.evaluate(resourceURL: url, clientIP: inside, now: 99) == nil)
        #expect(statement.evaluate(resourceURL: url, clientIP: inside, now: 51) == nil)
        #expect(statement.evaluate(resourceURL: url, clientIP: inside, now: 100) == .expired)
        #expect(statement.evaluate(resourceURL: url, clientIP: inside, now: 50) == .notYetValid)
        #expect(statement.evaluate(resourceURL: url, clientIP: IPAddress("192.0.3.9"), now: 60) == .ipNotAllowed)
        #expect(statement.evaluate(resourceURL: url, clientIP: nil, now: 60) == .ipNotAllowed)
        #expect(statement.evaluate(resourceURL: Array("https://h/b".utf8), clientIP: inside, now: 60) == .resourceMismatch)
        #expect(statement.evaluate(resourceURL: Array("https://h/b".utf8), clientIP: nil, now: 100) == .expired)
    }
}

@Suite struct ResourcePatternTests {
    @Test(arguments: [
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/game_download.zip", true),
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/example_game_download.zip?license=yes", true),
        ("https://d111111abcdef8.cloudfront.net/*game_download.zip*", "https://d111111abcdef8.cloudfront.net/game.zip", false),
        ("https://h/images/*", "https://h/images/", true),
        ("https://h/images/*", "https://h/images", false),
        ("https://h/images/*", "https://h/images/a/b/c.jpg?x=1", true),
        ("https://h/r-??.pdf", "https://h/r-42.pdf", true),
        ("https://h/r-??.pdf", "https://h/r-4.pdf", false),
        ("https://h/r-??.pdf", "https://h/r-421.pdf", false),
        ("https://h/a.jpg?size=large", "https://h/a.jpg?size=large", true),
        ("https://h/a.jpg?size=large", "https://h/a.jpgXsize=large", true),
        ("https://h/a.jpg", "https://h/a.jpg?size=large", false),
        ("https://h/A.jpg", "https://h/a.jpg", false),
        ("*", "https://anything/at/all", true),
        ("*", "", true),
        ("http://*", "https://h/x", false),
        ("*.jpg", "https://h/x.jpg.png", false),
        ("*a*a*a*a*b", String(repeating: "a", count: 200), false),
        ("https://h/x", "https://h/x", true),
        ("https://h/x", "https://h/xy", false),
    ])
    func wildcardsAsCloudFrontDocumentsThem(_ pattern: String, _ url: String, _ matches: Bool) {
        #expect(ResourcePattern(pattern).matches(Array(url.utf8)) == matches)
    }
}
