@testable import EdgeSignedURL
import Testing

/// A connection's remembered grants (`SignedRequestMemo`): a repeat of a granted request gets
/// the same grant with its time conditions checked again, and anything that differs (the
/// target, the cookies, the address, the trusted keys) is verified from scratch.
@Suite struct SignedRequestMemoTests {
    /// The case's request as it arrives on a connection.
    struct Request {
        var scheme: String
        var host: String
        var target: String
        var cookieHeaders: [String]
        var ip: String

        init(_ signed: BotocoreCase, ip: String? = nil) {
            let url = signed.url
            scheme = url.scheme
            host = url.host
            target = url.path + (url.query.map { "?" + $0 } ?? "")
            cookieHeaders = signed.cookies.isEmpty ? [] : [signed.cookiePairs.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")]
            self.ip = ip ?? signed.clientIp
        }

        func verify(at now: Int64, keys: TrustedKeyStore, memo: SignedRequestMemo) -> Result<Grant, Denial> {
            SignedRequestVerifier.verify(scheme: scheme, host: host, target: target, cookieHeaders: cookieHeaders,
                                         clientIP: IPAddress(ip), now: now, keys: keys, memo: memo)
        }
    }

    static func signed(_ id: String) throws -> BotocoreCase {
        try #require(BotocoreFixtureTests.cases.first { $0.id == id })
    }

    @Test(arguments: ["botocore-rsa-sha1-custom-wildcard-ipv4", "botocore-rsa-sha1-cookies-custom-site", "botocore-rsa-sha1-canned"])
    func aRepeatGetsTheSameGrantAndKeepsItsTimeLimits(_ id: String) throws {
        let signed = try Self.signed(id)
        let keys = try BotocoreFixtureTests.keys()
        let memo = SignedRequestMemo()
        let request = Request(signed)
        let first = try request.verify(at: signed.validAt, keys: keys, memo: memo).get()
        #expect(memo.count == 1)
        #expect(try request.verify(at: signed.validAt + 1, keys: keys, memo: memo).get() == first)
        #expect(memo.count == 1)
        // The expiry is checked on every use, remembered or not.
        #expect(request.verify(at: signed.expires, keys: keys, memo: memo) == .failure(.expired))
        if let notBefore = signed.notBefore {
            #expect(request.verify(at: notBefore, keys: keys, memo: memo) == .failure(.notYetValid))
        }
        #expect(try request.verify(at: signed.validAt, keys: keys, memo: memo).get() == first)
    }

    @Test func anotherAddressIsCheckedAgainstThePolicy() throws {
        let signed = try Self.signed("botocore-rsa-sha1-custom-single-ip-question-mark")
        let keys = try BotocoreFixtureTests.keys()
        let memo = SignedRequestMemo()
        _ = try Request(signed).verify(at: signed.validAt, keys: keys, memo: memo).get()
        let elsewhere = Request(signed, ip: "198.51.100.24")
        #expect(elsewhere.verify(at: signed.validAt, keys: keys, memo: memo) == .failure(.ipNotAllowed))
    }

    @Test func aChangedTargetOrCookieIsVerifiedAfresh() throws {
        let keys = try BotocoreFixtureTests.keys()
        let memo = SignedRequestMemo()
        let url = try Self.signed("botocore-rsa-sha1-canned")
        var request = Request(url)
        _ = try request.verify(at: url.validAt, keys: keys, memo: memo).get()
        // One character of the signature changed.
        request.target = try Self.flipCharacter(after: "Signature=", in: request.target)
        #expect(request.verify(at: url.validAt, keys: keys, memo: memo) == .failure(.badSignature))
        // Another path under the same canned signature.
        request = Request(url)
        request.target = "/x" + request.target.dropFirst()
        #expect(request.verify(at: url.validAt, keys: keys, memo: memo) == .failure(.badSignature))

        let cookies = try Self.signed("botocore-rsa-sha1-cookies-custom-site")
        var withCookies = Request(cookies)
        _ = try withCookies.verify(at: cookies.validAt, keys: keys, memo: memo).get()
        withCookies.cookieHeaders = [try Self.flipCharacter(after: "CloudFront-Signature=", in: withCookies.cookieHeaders[0])]
        #expect(withCookies.verify(at: cookies.validAt, keys: keys, memo: memo) == .failure(.badSignature))
    }

    /// `text` with the fifth character after `marker` replaced (`A` ↔ `B`: both CloudFront base64).
    static func flipCharacter(after marker: String, in text: String) throws -> String {
        let start = try #require(text.range(of: marker)).upperBound
        var characters = Array(text)
        let index = text.distance(from: text.startIndex, to: start) + 5
        characters[index] = characters[index] == "A" ? "B" : "A"
        return String(characters)
    }

    @Test func anotherKeyStoreNeverReusesAGrant() throws {
        let signed = try Self.signed("botocore-rsa-sha1-custom-wildcard-ipv4")
        let memo = SignedRequestMemo()
        let request = Request(signed)
        _ = try request.verify(at: signed.validAt, keys: try BotocoreFixtureTests.keys(), memo: memo).get()
        // A reload that dropped the key: the new store does not know it.
        let reloaded = try TrustedKeyStore([], cacheCapacity: 0)
        #expect(request.verify(at: signed.validAt, keys: reloaded, memo: memo) == .failure(.unknownKeyID))
    }

    @Test func itKeepsTheMostRecentGrantsOnly() throws {
        let keys = try BotocoreFixtureTests.keys()
        let memo = SignedRequestMemo()
        let granted = BotocoreFixtureTests.cases.filter { $0.sourceIp == nil }
        #expect(granted.count > SignedRequestMemo.capacity)
        for signed in granted {
            _ = try Request(signed).verify(at: signed.validAt, keys: keys, memo: memo).get()
        }
        #expect(memo.count == SignedRequestMemo.capacity)
    }
}
