@testable import EdgeOrigin
import Foundation
import Testing

/// The canonicalization rules one by one, where the suites have no case that can tell them apart.
@Suite struct CanonicalizationTests {
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
    static let date = amzDate("20260314T092653Z")

    func canonicalRequest(
        path: String = "/", query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        options: SigV4Options = .s3
    ) throws -> [Substring] {
        let request = SigV4Request(path: path, query: query, headers: [("Host", "h.example")] + headers)
        let signed = try SigV4Signer(region: "eu-west-2", options: options).sign(request, credentials: Self.credentials, date: Self.date)
        return signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test(arguments: [
        // (path as sent, S3 canonical URI, generic canonical URI)
        ("/my%20key", "/my%20key", "/my%2520key"),
        ("/my key", "/my%20key", "/my%20key"),
        ("/a%2bb", "/a%2Bb", "/a%252bb"),
        ("/a+b", "/a%2Bb", "/a%2Bb"),
        ("/100%", "/100%25", "/100%25"),
        ("/archive//2024/./x/../y", "/archive//2024/./x/../y", "/archive/2024/y"),
        ("/folder/", "/folder/", "/folder/"),
        ("", "/", "/"),
    ])
    func pathIsEncodedOnceForS3AndReencodedAfterNormalizingOtherwise(sent: String, s3: String, generic: String) throws {
        #expect(try canonicalRequest(path: sent, options: .s3)[1] == s3[...])
        #expect(try canonicalRequest(path: sent, options: .generic)[1] == generic[...])
    }

    @Test func removingDotSegmentsFollowsRFC3986AndDropsEmptySegments() {
        #expect(CanonicalURI.removingDotSegments("/example/..") == "/")
        #expect(CanonicalURI.removingDotSegments("/example1/example2/../..") == "/")
        #expect(CanonicalURI.removingDotSegments("/a/../../b") == "/b")
        #expect(CanonicalURI.removingDotSegments("//example//") == "/example/")
        #expect(CanonicalURI.removingDotSegments("/./example") == "/example")
        #expect(CanonicalURI.removingDotSegments("/a/.../b") == "/a/.../b")
    }

    @Test func queryIsEncodedOnceAndSortedByNameThenValue() throws {
        let lines = try canonicalRequest(query: [
            ("prefix", "photos/2024 Q1+"), ("b", "2"), ("a", "z"), ("a", "B"), ("lifecycle", ""), ("ключ", "~v"),
        ])
        // Sorted on the encoded bytes: `%` (0x25) comes before letters, `B` before `z`.
        #expect(lines[2] == "%D0%BA%D0%BB%D1%8E%D1%87=~v&a=B&a=z&b=2&lifecycle=&prefix=photos%2F2024%20Q1%2B")
    }

    @Test func headersAreLowercasedSortedTrimmedAndDuplicatesJoined() throws {
        let lines = try canonicalRequest(headers: [
            ("X-Custom", "  b   c  "), ("Range", "bytes=0-9"), ("x-custom", "a\n\t  folded"), ("Zeta", ""),
        ])
        #expect(Array(lines[3...8]) == [
            "host:h.example", "range:bytes=0-9",
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "x-amz-date:20260314T092653Z", "x-custom:b c,a folded", "zeta:",
        ])
        #expect(lines[10] == "host;range;x-amz-content-sha256;x-amz-date;x-custom;zeta")
    }

    @Test func signerOwnsDateContentHashAndAuthorizationHeaders() throws {
        let lines = try canonicalRequest(headers: [
            ("X-Amz-Date", "19990101T000000Z"), ("Authorization", "stale"), ("X-Amz-Content-SHA256", "stale"),
        ])
        #expect(lines.contains("x-amz-date:20260314T092653Z"))
        #expect(!lines.contains { $0.contains("stale") || $0.contains("1999") })
    }

    @Test func s3HeaderSigningAlwaysSendsTheContentHash() throws {
        let request = SigV4Request(method: "HEAD", path: "/k", headers: [("Host", "h.example")])
        let signed = try SigV4Signer(region: "eu-west-2").sign(request, credentials: Self.credentials, date: Self.date)
        #expect(signed.headers.map(\.name) == ["Authorization", "x-amz-date", "x-amz-content-sha256"])
        #expect(signed.headers[2].value == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signed.canonicalRequest.hasSuffix("\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test func presignedS3URLsUseUnsignedPayload() throws {
        let request = SigV4Request(path: "/k", headers: [("Host", "h.example")], payloadHash: .unsignedPayload)
        let presigned = try SigV4Signer(region: "eu-west-2").presign(request, credentials: Self.credentials, date: Self.date, expires: .seconds(60))
        #expect(presigned.canonicalRequest.hasSuffix("\nhost\nUNSIGNED-PAYLOAD"))
        #expect(presigned.queryItems.map(\.name) == [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
        ])
        #expect(!presigned.canonicalRequest.contains("X-Amz-Signature"))
    }

    @Test func requestWithoutHostIsRefused() {
        let request = SigV4Request(path: "/k", headers: [("Range", "bytes=0-1")])
        let signer = SigV4Signer(region: "eu-west-2")
        #expect(throws: SigV4Error.missingHostHeader) {
            try signer.sign(request, credentials: Self.credentials, date: Self.date)
        }
        #expect(throws: SigV4Error.missingHostHeader) {
            try signer.presign(request, credentials: Self.credentials, date: Self.date, expires: .seconds(60))
        }
    }

    @Test(arguments: [Duration.zero, .seconds(604_801), .milliseconds(1500), .seconds(-5)])
    func presignExpiryOutsideOneSecondToSevenDaysIsRefused(_ expiry: Duration) {
        let request = SigV4Request(path: "/k", headers: [("Host", "h.example")])
        #expect(throws: SigV4Error.expiryOutOfRange(expiry)) {
            try SigV4Signer(region: "eu-west-2").presign(request, credentials: Self.credentials, date: Self.date, expires: expiry)
        }
        #expect(SigV4Error.expiryOutOfRange(expiry).description.contains("604800"))
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"),
        (951_782_400.0, "20000229T000000Z"),
        (1_709_251_199.999, "20240229T235959Z"),
        (1_773_480_413.0, "20260314T092653Z"),
        (253_402_300_799.0, "99991231T235959Z"),
        (-1.0, "19691231T235959Z"),
    ])
    func timestampIsUTCWithWholeSeconds(seconds: Double, expected: String) {
        let timestamp = SigV4Timestamp(Date(timeIntervalSince1970: seconds))
        #expect(timestamp.dateTime == expected)
        #expect(timestamp.date == String(expected.prefix(8)))
    }
}
