import EdgeCache
import Testing

@Suite("cache keys")
struct CacheKeyTests {
    private func key(
        host: String = "cdn.example.com", _ target: String = "/img/a.jpg",
        headers: [(name: String, value: String)] = [], policy: CachePolicy = CachePolicy()
    ) -> CacheKey {
        CacheKey(host: host, target: target, headers: headers, policy: policy, hasher: TestHasher())
    }

    @Test("the serialization is stable: host field, escaped path, terminator, empty selections")
    func stableBytes() {
        let bytes: [UInt8] = [0x01, 4] + Array("a.io".utf8) + Array("/x".utf8) + [0x00, 0, 0, 0]
        #expect(key(host: "a.io", "/x").bytes == bytes)
        #expect(key(host: "a.io", "/x").description == "a.io/x")
    }

    @Test("host case, port and a trailing dot do not change the key")
    func hostNormalized() {
        let reference = key()
        #expect(key(host: "CDN.Example.COM") == reference)
        #expect(key(host: "cdn.example.com:443") == reference)
        #expect(key(host: "cdn.example.com.") == reference)
        #expect(key(host: "cdn.example.com.:8443") == reference)
        #expect(key(host: "img.example.com") != reference)
        #expect(key(host: "[::1]:8443", "/x") == key(host: "[::1]", "/x"))
    }

    @Test("the path is taken as sent: two spellings are two keys, case matters")
    func pathAsSent() {
        #expect(key("/a%20b") != key("/a b"))
        #expect(key("/A.jpg") != key("/a.jpg"))
        #expect(key("/a/../b") != key("/b"))
        #expect(key("/a//b") != key("/a/b"))
    }

    @Test("nothing unkeyed changes the key")
    func unkeyedInputs() {
        let reference = key()
        let noise = fields(
            "X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https", "User-Agent: curl/8",
            "Accept-Encoding: br", "Cookie: session=abc; theme=dark", "Authorization: Bearer x",
            "Cache-Control: no-cache")
        #expect(key(headers: noise) == reference)
        #expect(key("/img/a.jpg?v=2&utm_source=x") == reference)
        #expect(key("/img/a.jpg?") == reference)
    }

    @Test("allow-listed query parameters are keyed, sorted by name then value; others are not")
    func queryAllowList() {
        let policy = CachePolicy(queryStrings: .allowList(["w", "v"]))
        let reference = key("/a.jpg?v=1&w=200", policy: policy)
        #expect(key("/a.jpg?w=200&v=1", policy: policy) == reference)
        #expect(key("/a.jpg?w=200&utm=1&v=1&", policy: policy) == reference)
        #expect(key("/a.jpg?v=2&w=200", policy: policy) != reference)
        #expect(key("/a.jpg?V=1&w=200", policy: policy) != reference)
        #expect(key("/a.jpg?v=1&v=2", policy: policy) == key("/a.jpg?v=2&v=1", policy: policy))
        #expect(key("/a.jpg?v", policy: policy) != key("/a.jpg?v=", policy: policy))
    }

    @Test("query strings: all keys every parameter, in any order")
    func queryAll() {
        let policy = CachePolicy(queryStrings: .all)
        #expect(key("/a?b=2&a=1", policy: policy) == key("/a?a=1&b=2", policy: policy))
        #expect(key("/a?a=1", policy: policy) != key("/a", policy: policy))
        #expect(key("/a?a=1&b=2", policy: policy) != key("/a?a=1&b=3", policy: policy))
    }

    @Test("keyed headers: values count, names are case-insensitive, absent differs from empty")
    func headerValues() {
        let policy = CachePolicy(headers: ["Accept-Language", "origin"])
        let english = key(headers: fields("accept-language: en"), policy: policy)
        #expect(key(headers: fields("Accept-Language: en", "X-Other: 1"), policy: policy) == english)
        #expect(key(headers: fields("Accept-Language: fr"), policy: policy) != english)
        #expect(key(headers: fields("Accept-Language:"), policy: policy) != key(policy: policy))
        #expect(key(headers: fields("Accept-Language: en", "Accept-Language: fr"), policy: policy)
            == key(headers: fields("Accept-Language: en,fr"), policy: policy))
        #expect(key(headers: fields("Origin: https://a.example"), policy: policy) != key(policy: policy))
    }

    @Test("cookies: none ignores them, an allow list keys only those, all keys every cookie")
    func cookies() {
        let allowList = CachePolicy(cookies: .allowList(["lang"]))
        let french = key(headers: fields("Cookie: session=1; lang=fr"), policy: allowList)
        #expect(key(headers: fields("Cookie: lang=fr; session=2"), policy: allowList) == french)
        #expect(key(headers: fields("Cookie: lang=en"), policy: allowList) != french)
        let all = CachePolicy(cookies: .all)
        #expect(key(headers: fields("Cookie: a=1", "Cookie: b=2"), policy: all)
            == key(headers: fields("Cookie: b=2;a=1"), policy: all))
        #expect(key(headers: fields("Cookie: a=1"), policy: all) != key(headers: fields("Cookie: a=2"), policy: all))
    }

    @Test("a field value cannot imitate a separator")
    func unambiguous() {
        let policy = CachePolicy(headers: ["a", "b"])
        #expect(key(headers: fields("a: x", "b: y"), policy: policy) != key(headers: fields("a: xy"), policy: policy))
        #expect(key(host: "a.io", "/b") != key(host: "a.io/b", ""))
        #expect(key("/a\u{0}b") != key("/a"))
        #expect(key("/a\u{1}") != key("/a\u{0}"))
    }

    @Test("keys longer than 499 bytes are hashed, keep host and path prefix, and stay distinct")
    func longKeysHashed() {
        let policy = CachePolicy(queryStrings: .all)
        let long = key("/p?q=" + String(repeating: "x", count: 600), policy: policy)
        let other = key("/p?q=" + String(repeating: "y", count: 600), policy: policy)
        #expect(long.bytes.count <= CacheKey.maximumLength)
        #expect(long.isHashed && other.isHashed)
        #expect(long != other)
        #expect(long == key("/p?q=" + String(repeating: "x", count: 600), policy: policy))
        #expect(long.bytes.starts(with: key("/p").bytes.dropLast(4)))
        #expect(long.description == "cdn.example.com/p… (hashed)")
        #expect(!key("/p").isHashed)
        let longPath = key("/" + String(repeating: "\u{1}", count: 600))
        #expect(longPath.isHashed && longPath.bytes.count <= CacheKey.maximumLength)
    }
}
