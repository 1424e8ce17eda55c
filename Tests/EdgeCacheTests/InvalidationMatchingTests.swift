import EdgeCache
import Testing

/// Keys are built with the real `CacheKey` initializer, so these tests follow its layout.
@Suite("invalidation matching")
struct InvalidationMatchingTests {
    private static let keysEverything = CachePolicy(queryStrings: .all, headers: ["Accept-Language"], cookies: .all)

    private func subject(
        _ target: String, host: String = "cdn.example.com", headers: [(name: String, value: String)] = [],
        policy: CachePolicy = keysEverything
    ) -> InvalidationSubject {
        InvalidationSubject(CacheKey(host: host, target: target, headers: headers, policy: policy, hasher: TestHasher()))
    }

    /// An index holding `rules` with sequences 1, 2, 3, … in order.
    private func index(_ rules: String...) throws -> InvalidationIndex {
        var index = InvalidationIndex()
        for (offset, rule) in rules.enumerated() {
            index.add(try InvalidationPattern(validating: rule), sequence: UInt64(offset + 1))
        }
        return index
    }

    private func hides(_ rule: String, _ target: String, policy: CachePolicy = keysEverything) throws -> Bool {
        try index(rule).hidingSequence(of: subject(target, policy: policy)) > 0
    }

    // MARK: validation

    @Test("a * anywhere but at the end is refused, naming its position")
    func misplacedWildcard() {
        #expect(throws: InvalidationPathError.misplacedWildcard(path: "/a*b", position: 3)) {
            try InvalidationPattern(validating: "/a*b")
        }
        #expect(throws: InvalidationPathError.misplacedWildcard(path: "/**", position: 2)) {
            try InvalidationPattern(validating: "/**")
        }
        let error = InvalidationPathError.misplacedWildcard(path: "/a*b", position: 3)
        #expect(error.description
            == "Invalidation path \"/a*b\" has a * at position 3; a wildcard is allowed only as the last character.")
    }

    @Test("a path must start with /, be at most 4,000 characters and hold no control character")
    func refusedPaths() throws {
        #expect(throws: InvalidationPathError.empty) { try InvalidationPattern(validating: "") }
        #expect(throws: InvalidationPathError.missingLeadingSlash(path: "images/a.jpg")) {
            try InvalidationPattern(validating: "images/a.jpg")
        }
        #expect("\(InvalidationPathError.missingLeadingSlash(path: "images/a.jpg"))".contains("write \"/images/a.jpg\""))

        let longest = "/" + String(repeating: "é", count: 3999)
        #expect(try InvalidationPattern(validating: longest).normalized.count == 1 + 2 * 3999)
        #expect(throws: InvalidationPathError.tooLong(path: longest + "x", length: 4001)) {
            try InvalidationPattern(validating: longest + "x")
        }

        for (path, position, scalar) in [("/a\u{7}b", 3, 0x07), ("/\u{0}", 2, 0x00), ("/a\u{7F}", 3, 0x7F), ("/a\nb", 3, 0x0A)] {
            #expect(throws: InvalidationPathError.controlCharacter(path: path, position: position, scalar: UInt32(scalar))) {
                try InvalidationPattern(validating: path)
            }
        }
        #expect("\(InvalidationPathError.controlCharacter(path: "/a\u{7}b", position: 3, scalar: 7))"
            == "Invalidation path \"/a\\u{7}b\" has the control character U+0007 at position 3; "
            + "write it percent-encoded (%07).")
    }

    @Test("the normalized form: path decoded, query decoded and sorted, trailing * removed")
    func normalizedForm() throws {
        func normalized(_ path: String) throws -> String {
            String(decoding: try InvalidationPattern(validating: path).normalized, as: UTF8.self)
        }
        #expect(try normalized("/a%20b%2fc%zz%4") == "/a b/c%zz%4")
        #expect(try normalized("/a.jpg?b=2&a=%31&a&&c=x+y") == "/a.jpg?a&a=1&b=2&c=x+y")
        #expect(try normalized("/a.jpg?") == "/a.jpg")
        #expect(try normalized("/img/*") == "/img/")
        #expect(try normalized("/a%2*") == "/a")
        #expect(try normalized("/a.jpg?w=1&v=%3*") == "/a.jpg?w=1&v=")
        #expect(try InvalidationPattern(validating: "/img/*").isPrefix)
        #expect(try !InvalidationPattern(validating: "/img/a%2A").isPrefix)
    }

    // MARK: matching

    @Test("/* covers every entry, hashed ones and ones without a host included")
    func everything() throws {
        let all = try index("/*")
        #expect(all.ruleCount == 1)
        for target in ["/", "/a.jpg?x=1", "/deep/path/file", "/" + String(repeating: "p", count: 700)] {
            #expect(all.hidingSequence(of: subject(target)) == 1)
        }
        #expect(all.hidingSequence(of: subject("/x", host: String(repeating: "h", count: 600))) == 1)
        #expect(try index("/other").hidingSequence(of: subject("/x", host: String(repeating: "h", count: 600))) == 1)
    }

    @Test("a prefix covers exactly the paths that start with it")
    func prefixRules() throws {
        #expect(try hides("/images/*", "/images/a.jpg"))
        #expect(try hides("/images/*", "/images/sub/b.png?w=1"))
        #expect(try !hides("/images/*", "/images2/x"))
        #expect(try !hides("/images/*", "/images"))
        #expect(try hides("/images*", "/images2/x"))
    }

    @Test("an exact path covers its header and cookie variants but not its query variants")
    func exactRules() throws {
        let rules = try index("/a.jpg")
        #expect(rules.hidingSequence(of: subject("/a.jpg")) == 1)
        #expect(rules.hidingSequence(of: subject("/a.jpg", headers: fields("Accept-Language: fr", "Cookie: s=1"))) == 1)
        #expect(rules.hidingSequence(of: subject("/a.jpg?x=1")) == 0)
        #expect(rules.hidingSequence(of: subject("/a.jpg.bak")) == 0)
        #expect(rules.hidingSequence(of: subject("/a.jp")) == 0)
    }

    @Test("a query rule covers that query in any spelling; a trailing * covers every query")
    func queryRules() throws {
        #expect(try hides("/a.jpg?x=1", "/a.jpg?x=1"))
        #expect(try hides("/a.jpg?x=1", "/a.jpg?x=%31"))
        #expect(try hides("/a.jpg?x=%31", "/a.jpg?x=1"))
        #expect(try !hides("/a.jpg?x=1", "/a.jpg?x=2"))
        #expect(try !hides("/a.jpg?x=1", "/a.jpg"))
        #expect(try !hides("/a.jpg?x=1", "/a.jpg?x=1&y=2"))
        #expect(try hides("/a.jpg?b=2&a=1", "/a.jpg?a=1&b=2"))
        #expect(try hides("/a.jpg?a=1&b=2", "/a.jpg?b=%32&a=1"))
        for target in ["/a.jpg", "/a.jpg?x=1", "/a.jpg?y=2&x=%31"] {
            #expect(try hides("/a.jpg*", target))
        }
        #expect(try hides("/a.jpg?x=*", "/a.jpg?x=7&y=1"))
        #expect(try !hides("/a.jpg?x=*", "/a.jpg"))
    }

    @Test("a query the policy does not key is not part of the entry, as in CloudFront")
    func unkeyedQuery() throws {
        let noQuery = CachePolicy()
        #expect(try hides("/a.jpg", "/a.jpg?x=1", policy: noQuery))
        #expect(try !hides("/a.jpg?x=1", "/a.jpg?x=1", policy: noQuery))
    }

    @Test("percent-encoded and decoded spellings match both ways")
    func spellings() throws {
        #expect(try hides("/a b", "/a%20b"))
        #expect(try hides("/a%20b", "/a b"))
        #expect(try hides("/a%20b", "/a%20%62"))
        #expect(try hides("/caf%C3%A9.jpg", "/café.jpg"))
        #expect(try hides("/dir%2F*", "/dir/x"))
        #expect(try hides("/a%2*", "/a%20b"))
        #expect(try !hides("/a%20b", "/a+b"))
    }

    @Test("matching is case-sensitive")
    func caseSensitive() throws {
        #expect(try !hides("/A.jpg", "/a.jpg"))
        #expect(try !hides("/Images/*", "/images/a.jpg"))
        #expect(try !hides("/a.jpg?X=1", "/a.jpg?x=1"))
        #expect(try hides("/a%2f", "/a%2F"))
    }

    @Test("the newest covering rule wins; adding a rule again keeps its highest sequence")
    func sequences() throws {
        var rules = try index("/img/*", "/img/a.jpg", "/other/*")
        #expect(rules.hidingSequence(of: subject("/img/a.jpg")) == 2)
        #expect(rules.hidingSequence(of: subject("/img/b.jpg")) == 1)
        #expect(rules.hidingSequence(of: subject("/none")) == 0)
        rules.add(try InvalidationPattern(validating: "/img/*"), sequence: 9)
        rules.add(try InvalidationPattern(validating: "/img/%2A"), sequence: 4)
        rules.add(try InvalidationPattern(validating: "/img/a.jpg"), sequence: 1)
        rules.add(try InvalidationPattern(validating: "/img/a%2Ejpg"), sequence: 5)
        #expect(rules.ruleCount == 4)
        #expect(rules.hidingSequence(of: subject("/img/a.jpg")) == 9)
        #expect(rules.hidingSequence(of: subject("/img/%2a")) == 9)
    }

    @Test("an exact rule and a prefix rule of the same path are two rules, retired separately")
    func exactAndPrefixOfOnePath() throws {
        var rules = try index("/a.jpg*", "/a.jpg")
        #expect(rules.ruleCount == 2)
        #expect(rules.hidingSequence(of: subject("/a.jpg")) == 2)
        #expect(rules.hidingSequence(of: subject("/a.jpg?v=1")) == 1)
        rules.retire(through: 1)
        #expect(rules.ruleCount == 1)
        #expect(rules.hidingSequence(of: subject("/a.jpg")) == 2)
        #expect(rules.hidingSequence(of: subject("/a.jpg?v=1")) == 0)
    }

    @Test("retiring drops the rules up to a sequence and keeps the later ones")
    func retire() throws {
        var rules = try index("/img/*", "/a.jpg", "/*", "/img/a.jpg", "/b*")
        #expect(rules.ruleCount == 5)
        rules.retire(through: 3)
        #expect(rules.ruleCount == 2)
        #expect(rules.hidingSequence(of: subject("/img/a.jpg")) == 4)
        #expect(rules.hidingSequence(of: subject("/img/b.jpg")) == 0)
        #expect(rules.hidingSequence(of: subject("/a.jpg")) == 0)
        #expect(rules.hidingSequence(of: subject("/bcd")) == 5)
        rules.retire(through: 5)
        #expect(rules.isEmpty)
        #expect(rules.hidingSequence(of: subject("/img/a.jpg")) == 0)
    }

    @Test("thousands of rules: each entry sees exactly its own")
    func manyRules() throws {
        var rules = InvalidationIndex()
        for number in 1...3000 {
            rules.add(try InvalidationPattern(validating: "/d\(number)/*"), sequence: UInt64(number))
            rules.add(try InvalidationPattern(validating: "/f\(number).jpg"), sequence: UInt64(10_000 + number))
        }
        #expect(rules.ruleCount == 6000)
        #expect(rules.hidingSequence(of: subject("/d1234/x.jpg")) == 1234)
        #expect(rules.hidingSequence(of: subject("/d12/x.jpg")) == 12)
        #expect(rules.hidingSequence(of: subject("/f77.jpg")) == 10_077)
        #expect(rules.hidingSequence(of: subject("/f77.jpg?v=1")) == 0)
        #expect(rules.hidingSequence(of: subject("/d3001/x")) == 0)
    }

    // MARK: keys

    @Test("subjects read host, decoded path and canonical query back from real keys")
    func subjects() {
        let plain = subject("/a%20b?z=%31&a=2&a", host: "CDN.Example.com:443", headers: fields("Cookie: s=1"))
        #expect(plain.host == Array("cdn.example.com".utf8))
        #expect(String(decoding: plain.normalized, as: UTF8.self) == "/a b?a&a=2&z=1")
        #expect(!plain.isHashed)
        #expect(String(decoding: subject("/a\u{0}\u{1}%01").normalized, as: UTF8.self) == "/a\u{0}\u{1}\u{1}")
        #expect(InvalidationSubject(cacheKey: []) == nil)
        #expect(InvalidationSubject(cacheKey: [0x07, 1, 2]) == nil)
        let bytes = CacheKey(host: "a.io", target: "/x?q=1", headers: [], policy: Self.keysEverything, hasher: TestHasher()).bytes
        #expect(InvalidationSubject(cacheKey: bytes) != nil)
        #expect(InvalidationSubject(cacheKey: Array(bytes.dropLast(1))) == nil)
        #expect(InvalidationSubject(cacheKey: Array(bytes.dropLast(3))) == nil)
        #expect(InvalidationSubject(cacheKey: bytes + [0]) == nil)
    }

    @Test("a hashed key whose path fitted matches the rules for its path, any query, conservatively")
    func hashedLongQuery() throws {
        let target = "/video.mp4?token=" + String(repeating: "t", count: 600)
        let long = subject(target)
        #expect(long.isHashed)
        #expect(String(decoding: long.normalized, as: UTF8.self) == "/video.mp4")
        for rule in ["/video.mp4", "/video.mp4?token=x", "/video.mp4*", "/video*", "/*", "/video.mp4?*"] {
            #expect(try hides(rule, target), "\(rule)")
        }
        for rule in ["/video.mp4.bak", "/video.mp", "/video.mp4/x", "/other*", "/video.mp4x*"] {
            #expect(try !hides(rule, target), "\(rule)")
        }
    }

    @Test("a hashed key whose path was cut matches every rule its full path could be under")
    func hashedLongPath() throws {
        let directory = "/" + String(repeating: "d", count: 300) + "/"
        let target = directory + String(repeating: "%20", count: 100) + "end.jpg"
        let long = subject(target)
        #expect(long.isHashed)
        let kept = long.normalized
        #expect(kept.count < 400 && kept.starts(with: Array(directory.utf8)))
        // The full path decodes to spaces: a rule spelled decoded must still match even where
        // the key cut an escape in half.
        let decoded = directory + String(repeating: " ", count: 100) + "end.jpg"
        for rule in [decoded, decoded + "*", directory + "*", "/d*", directory + String(repeating: "%20", count: 100) + "*"] {
            #expect(try hides(rule, target), "\(rule.prefix(20))…")
        }
        for rule in ["/e*", directory + "x*", "/" + String(repeating: "d", count: 299) + "/x"] {
            #expect(try !hides(rule, target), "\(rule.prefix(20))…")
        }
    }
}
