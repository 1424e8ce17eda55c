import EdgeTLS
import Testing

/// SHA-256 against FIPS 180-2 (appendix B) and HMAC-SHA256 against RFC 4231 section 4.
@Suite struct DigestTests {
    struct HashVector: Sendable, CustomTestStringConvertible {
        var name: String
        var message: [UInt8]
        var digest: String
        var testDescription: String { name }
    }

    static let fips180Vectors: [HashVector] = [
        .init(name: "empty", message: [], digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        .init(name: "abc (B.1)", message: Array("abc".utf8), digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        .init(
            name: "448 bits (B.2)",
            message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        .init(
            name: "one million a (B.3)", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
            digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        ),
    ]

    @Test(arguments: fips180Vectors)
    func sha256MatchesFIPS180(_ vector: HashVector) {
        let digest = SHA256.hash(vector.message)
        #expect(digest.count == SHA256.byteCount)
        #expect(HexEncoding.lowercase(digest) == vector.digest)
        #expect(HexEncoding.lowercase(vector.message.withUnsafeBytes { SHA256.hash($0) }) == vector.digest)
    }

    @Test func sha256OfANonContiguousCollectionEqualsTheArrayDigest() {
        let lazyBytes = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8.lazy.map { $0 }
        #expect(HexEncoding.lowercase(SHA256.hash(lazyBytes)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(HexEncoding.lowercase(SHA256.hash("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    struct MACVector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: [UInt8]
        var message: [UInt8]
        /// RFC 4231 prints the full tag except for test case 5, which is truncated to 128 bits.
        var tagPrefix: String
        var testDescription: String { name }
    }

    static let rfc4231Vectors: [MACVector] = [
        .init(
            name: "4.2 test case 1", key: [UInt8](repeating: 0x0B, count: 20), message: Array("Hi There".utf8),
            tagPrefix: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        .init(
            name: "4.3 test case 2 (key shorter than the output)", key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8),
            tagPrefix: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        .init(
            name: "4.4 test case 3", key: [UInt8](repeating: 0xAA, count: 20), message: [UInt8](repeating: 0xDD, count: 50),
            tagPrefix: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        .init(
            name: "4.5 test case 4", key: Array(1...25), message: [UInt8](repeating: 0xCD, count: 50),
            tagPrefix: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        .init(
            name: "4.6 test case 5 (truncated to 128 bits)", key: [UInt8](repeating: 0x0C, count: 20),
            message: Array("Test With Truncation".utf8), tagPrefix: "a3b6167473100ee06e0c796c2955552b"
        ),
        .init(
            name: "4.7 test case 6 (key longer than the block)", key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            tagPrefix: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        .init(
            name: "4.8 test case 7 (key and data longer than the block)", key: [UInt8](repeating: 0xAA, count: 131),
            message: Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8
            ),
            tagPrefix: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: rfc4231Vectors)
    func hmacSHA256MatchesRFC4231(_ vector: MACVector) {
        let tag = HMACSHA256.authenticationCode(key: vector.key, message: vector.message)
        #expect(tag.count == HMACSHA256.byteCount)
        #expect(HexEncoding.lowercase(tag).hasPrefix(vector.tagPrefix))
        let viaBuffers = vector.key.withUnsafeBytes { key in
            vector.message.withUnsafeBytes { HMACSHA256.authenticationCode(key: key, message: $0) }
        }
        #expect(viaBuffers == tag)
    }

    @Test func hmacWithEmptyKeyAndMessageIsTheDefinedValue() {
        // Empty inputs have no base address; the tag must still be HMAC(k = "", m = "").
        let tag = HMACSHA256.authenticationCode(key: [UInt8](), message: [UInt8]())
        #expect(HexEncoding.lowercase(tag) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(HexEncoding.lowercase([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(HexEncoding.lowercase([UInt8]()) == "")
    }
}
