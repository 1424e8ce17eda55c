import EdgeOrigin
import Testing

@Suite struct S3ObjectPathTests {
    @Test(arguments: [
        ("photos/café/naïve 東京.jpg", "/photos/caf%C3%A9/na%C3%AFve%20%E6%9D%B1%E4%BA%AC.jpg"),
        ("a b+c", "/a%20b%2Bc"),
        ("()!*'=&:;@%$,#?[]", "/%28%29%21%2A%27%3D%26%3A%3B%40%25%24%2C%23%3F%5B%5D"),
        ("archive//2024/./x/../y", "/archive//2024/./x/../y"),
        ("folder/", "/folder/"),
        ("/leading", "//leading"),
        ("~user/-._~", "/~user/-._~"),
        ("already%20encoded", "/already%2520encoded"),
        ("", "/"),
    ])
    func keyIsEncodedOnceSegmentBySegment(key: String, path: String) {
        #expect(S3ObjectPath.encode(key: key) == path)
    }

    @Test func pathStylePutsTheBucketFirst() {
        #expect(S3ObjectPath.encode(bucket: "myapp-dev-private-assets-123456", key: "a b.txt") == "/myapp-dev-private-assets-123456/a%20b.txt")
    }

    @Test func everyASCIIByteOutsideTheUnreservedSetIsEscapedWithUpperCaseHex() {
        let kept = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/".utf8)
        for byte in UInt8(0)...UInt8(0x7F) {
            let hex = String(byte, radix: 16, uppercase: true)
            let expected = kept.contains(byte) ? String(UnicodeScalar(byte)) : "%" + (hex.count == 1 ? "0" + hex : hex)
            #expect(S3ObjectPath.encode(key: String(UnicodeScalar(byte))) == "/" + expected, "byte 0x\(hex)")
        }
    }
}
