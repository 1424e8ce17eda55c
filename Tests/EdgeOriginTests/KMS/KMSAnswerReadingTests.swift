@testable import EdgeOrigin
import Testing

/// The byte-level readers behind `KMSClient`: the answer's string members and base64.
@Suite struct KMSAnswerReadingTests {
    static func members(_ json: String) throws -> (KMSAnswerMembers, [UInt8]) {
        let body = Array(json.utf8)
        return (try KMSAnswerMembers(parsing: body), body)
    }

    static func reason(_ json: String) -> String? {
        do {
            _ = try KMSAnswerMembers(parsing: Array(json.utf8))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func stringMembersAreFoundOthersSkipped() throws {
        let (members, body) = try Self.members(
            " {\"a\" : \"x\\\"y\\\\z\\/\\n\\u00e9\\ud83d\\ude00\", \"n\": -1.5e3, \"o\": {\"k\": [true, false, null, {}]}, \"e\": \"\"} ")
        #expect(Set(members.strings.keys) == ["a", "e"])
        #expect(members.text("a", in: body) == "x\"y\\z/\né😀")
        #expect(members.text("e", in: body) == "")
        #expect(members.text("n", in: body) == nil)
        #expect(try Self.members("{}").0.strings.isEmpty)
    }

    @Test func malformedDocumentsAreRefusedWithThePlace() {
        #expect(Self.reason("[]") == "expected a JSON object at byte 0")
        #expect(Self.reason("{\"a\":\"x\"} x") == "text after the object at byte 10")
        #expect(Self.reason("{\"a\":\"x\",}") == "expected a string at byte 9")
        #expect(Self.reason("{\"a\":\"x\" \"b\":1}") == "expected ',' or '}' at byte 9")
        #expect(Self.reason("{\"a\":\"x\n\"}") == "control character in a string at byte 7")
        #expect(Self.reason("{\"a\":\"\\x\"}") == "bad escape at byte 7")
        #expect(Self.reason("{\"a\":\"\\u12g4\"}") == "bad \\u escape at byte 8")
        #expect(Self.reason("{\"a\":tru}") == "expected a JSON value at byte 5")
        #expect(Self.reason("{\"a\":[1,2}") == "unclosed array at byte 9")
        #expect(Self.reason("{\"a\":\"x") == "unterminated string at byte 7")
        #expect(Self.reason("{\"a\":1,\"a\":\"x\"}") == "member a appears twice at byte 10")
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(Self.reason("{\"a\":\(deep)}") == "nesting deeper than 16 at byte 21")
    }

    static func decoded(_ text: String) -> [UInt8]? {
        let raw = ArraySlice(Array(text.utf8))
        guard let count = KMSBase64.decodedCount(raw) else { return nil }
        var output = [UInt8](repeating: 0, count: count)
        guard output.withUnsafeMutableBytes({ KMSBase64.decode(raw, into: $0) }) == count else { return nil }
        return output
    }

    @Test func base64FollowsRFC4648AndReadsEscapedSlashes() {
        let vectors = ["": "", "Zg==": "f", "Zm8=": "fo", "Zm9v": "foo", "Zm9vYg==": "foob", "Zm9vYmE=": "fooba", "Zm9vYmFy": "foobar"]
        for (encoded, plain) in vectors {
            #expect(Self.decoded(encoded) == Array(plain.utf8), "\(encoded)")
        }
        #expect(Self.decoded("+/+/") == [0xFB, 0xFF, 0xBF])
        #expect(Self.decoded("+\\/+\\/") == [0xFB, 0xFF, 0xBF])
        for bad in ["Zg", "Zg=", "Z===", "Zg=a", "Zg==Zm9v", "Zm9*", "Zm9v\\n", "Zm9v\\"] {
            #expect(Self.decoded(bad) == nil, "\(bad)")
        }
    }

    @Test func decodingRefusesAnOutputOfAnotherSize() {
        var short = [UInt8](repeating: 0, count: 2)
        #expect(short.withUnsafeMutableBytes { KMSBase64.decode(ArraySlice(Array("Zm9v".utf8)), into: $0) } == nil)
        var long = [UInt8](repeating: 0, count: 4)
        #expect(long.withUnsafeMutableBytes { KMSBase64.decode(ArraySlice(Array("Zm9v".utf8)), into: $0) } == nil)
    }

    @Test func requestBodiesAreCompactSortedAndEscaped() {
        #expect(KMSRequestBody.generateDataKey(keyID: "alias/a", encryptionContext: ["b": "2", "a": "q\"\\\u{1}é"])
            == "{\"KeyId\":\"alias/a\",\"KeySpec\":\"AES_256\",\"EncryptionContext\":{\"a\":\"q\\\"\\\\\\u0001é\",\"b\":\"2\"}}")
        #expect(KMSRequestBody.decrypt(ciphertextBlob: [0xFB, 0xFF], keyID: nil, encryptionContext: [:])
            == "{\"CiphertextBlob\":\"+/8=\",\"EncryptionContext\":{}}")
    }
}

/// `KMSError`'s text when `Decrypt` named no key (KMS takes the one recorded in the blob).
@Suite struct KMSErrorTextTests {
    @Test func withoutAKeyIDTheTextSpeaksOfTheKeyThatEncryptedTheDataKey() {
        let error = KMSError(kind: .invalidCiphertext, code: "InvalidCiphertextException", message: "no message",
                             operation: "Decrypt", keyID: nil, endpoint: "https://kms.eu-west-2.amazonaws.com/")
        #expect(error.description == "KMS could not decrypt the cache's data key with the key that encrypted the data "
            + "key (InvalidCiphertextException: no message): it was made under another key or encryption context, or is "
            + "damaged; configure the key that made it, or empty the cache directory to start over with a new data key")
        let denied = KMSError(kind: .accessDenied, code: "AccessDeniedException", message: "m", operation: "Decrypt",
                              keyID: nil, endpoint: "https://kms.eu-west-2.amazonaws.com/")
        #expect(denied.description.hasSuffix("must allow kms:GenerateDataKey and kms:Decrypt on that key"))
    }
}
