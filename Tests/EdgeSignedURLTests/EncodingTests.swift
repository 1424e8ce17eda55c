@testable import EdgeSignedURL
import Testing

@Suite struct CloudFrontBase64Tests {
    @Test(arguments: [
        ("", ""), ("f", "Zg__"), ("fo", "Zm8_"), ("foo", "Zm9v"), ("foob", "Zm9vYg__"), ("fooba", "Zm9vYmE_"), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648VectorsWithCloudFrontPadding(_ plain: String, _ encoded: String) {
        #expect(CloudFrontBase64.encode(Array(plain.utf8)) == encoded)
        #expect(CloudFrontBase64.decode(encoded.utf8) == Array(plain.utf8))
    }

    @Test func theThreeSubstitutedCharactersRoundTrip() {
        // 0xFB 0xFF 0xBF 0xFF is "+/+//w==" in standard base64 ("+" is 62, "/" is 63).
        #expect(CloudFrontBase64.encode([0xFB, 0xFF, 0xBF, 0xFF]) == "-~-~~w__")
        #expect(CloudFrontBase64.decode("-~-~~w__".utf8) == [0xFB, 0xFF, 0xBF, 0xFF])
        let all = (0...255).map { UInt8($0) }
        #expect(CloudFrontBase64.decode(CloudFrontBase64.encode(all).utf8) == all)
    }

    @Test func missingPaddingIsAccepted() {
        #expect(CloudFrontBase64.decode("Zg".utf8) == Array("f".utf8))
        #expect(CloudFrontBase64.decode("Zm8".utf8) == Array("fo".utf8))
    }

    @Test(arguments: [
        "Zm9v+", "Zm9v/w==", "Zm9v=", "Z", "Zm9vY", "Z_g_", "Zg___", "Zg_", "Zm 9v", "Zm9v\n", "Zm%7E",
    ])
    func otherAlphabetsAndBrokenLengthsAreRefused(_ text: String) {
        #expect(CloudFrontBase64.decode(text.utf8) == nil)
    }
}

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("2001:db8::1", "2001:db8:0:0:0:0:0:1"), ("::", "0:0:0:0:0:0:0:0"), ("::1", "0:0:0:0:0:0:0:1"),
        ("2001:DB8:0:0:8:800:200C:417A", "2001:db8:0:0:8:800:200c:417a"), ("fe80::", "fe80:0:0:0:0:0:0:0"),
        ("::ffff:192.0.2.1", "192.0.2.1"), ("::FFFF:c000:201", "192.0.2.1"), ("64:ff9b::192.0.2.33", "64:ff9b:0:0:0:0:c000:221"),
    ])
    func parsesTheUsualForms(_ text: String, _ canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "a.b.c.d",
        "1:2:3:4:5:6:7:8:9", "1::2::3", ":1:2", "1:2:", "12345::", "[::1]", "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4", "::g",
    ])
    func refusesEverythingElse(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func bytesInNetworkOrder() {
        #expect(IPAddress(bytes: [192, 0, 2, 1]) == IPAddress("192.0.2.1"))
        #expect(IPAddress(bytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == IPAddress("2001:db8::1"))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1]) == .v4(0xC000_0201))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test(arguments: [
        ("192.0.2.0/24", "192.0.2.0", true), ("192.0.2.0/24", "192.0.2.255", true), ("192.0.2.0/24", "192.0.3.0", false),
        ("192.168.0.1/24", "192.168.0.200", true), ("10.0.0.0/8", "10.255.0.1", true), ("10.0.0.0/8", "11.0.0.1", false),
        ("0.0.0.0/0", "203.0.113.9", true), ("0.0.0.0/0", "2001:db8::1", false), ("198.51.100.23", "198.51.100.23", true),
        ("198.51.100.23", "198.51.100.22", false), ("198.51.100.23/32", "198.51.100.23", true),
        ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false), ("2001:db8::/32", "192.0.2.1", false),
        ("2001:db8:85a3::8a2e:370:7334/128", "2001:db8:85a3:0:0:8a2e:370:7334", true), ("::/0", "192.0.2.1", true),
        ("::/0", "2001:db8::1", true), ("2001:db8::/64", "2001:db8::ffff:1", true), ("2001:db8::/65", "2001:db8::8000:0:0:1", false),
        ("::ffff:192.0.2.0/120", "192.0.2.77", true), ("::ffff:192.0.2.0/120", "192.0.3.77", false), ("::ffff:0:0/96", "203.0.113.1", true),
    ])
    func rangesContainTheirAddresses(_ cidr: String, _ address: String, _ inside: Bool) throws {
        let range = try #require(IPAddressRange(cidr))
        let ip = try #require(IPAddress(address))
        #expect(range.contains(ip) == inside)
    }

    @Test(arguments: ["192.0.2.0/33", "192.0.2.0/", "192.0.2.0/-1", "192.0.2.0/024", "192.0.2.0/2a", "/24", "2001:db8::/129", "192.0.2.0/24/1", "x/8"])
    func refusesBrokenRanges(_ text: String) {
        #expect(IPAddressRange(text) == nil)
    }

    @Test func hostBitsAreCleared() {
        #expect(IPAddressRange("192.168.0.1/24")?.description == "192.168.0.0/24")
        #expect(IPAddressRange("2001:db8::1/32")?.description == "2001:db8:0:0:0:0:0:0/32")
    }
}
