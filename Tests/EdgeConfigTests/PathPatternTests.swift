import Testing

@testable import EdgeConfig

@Suite("PathPattern: CloudFront's path pattern matching")
struct PathPatternTests {
    private func pattern(_ text: String) throws -> PathPattern {
        try PathPattern(text)
    }

    @Test(
        "wildcards, case and whole-path matching",
        arguments: [
            // `*` crosses "/" and may be empty; the pattern must cover the whole path.
            ("/images/*.jpg", "/images/a.jpg", true),
            ("/images/*.jpg", "/images/2024/06/a.jpg", true),
            ("/images/*.jpg", "/images/.jpg", true),
            ("/images/*.jpg", "/images/a.jpg.png", false),
            ("/images/*.jpg", "/images/a.jpeg", false),
            ("/images/*.jpg", "/img/images/a.jpg", false),
            // Case-sensitive, in the literal parts and what the wildcards meet alike.
            ("/images/*.jpg", "/Images/a.jpg", false),
            ("/images/*.jpg", "/images/a.JPG", false),
            ("/*.jpg", "/LOGO.JPG", false),
            // Trailing `*`: "/docs/*" needs the slash; "/docs*" does not.
            ("/docs/*", "/docs/", true),
            ("/docs/*", "/docs/a/b/c", true),
            ("/docs/*", "/docs", false),
            ("/docs*", "/docs", true),
            ("/docs*", "/docs.html", true),
            ("/docs*", "/doc", false),
            // Several stars: each taken as short as works, the last one backtracked.
            ("/a*b*c", "/abc", true),
            ("/a*b*c", "/aXbYc", true),
            ("/a*b*c", "/abbbc", true),
            ("/a*b*c", "/acbc", true),
            ("/a*b*c", "/abcbc", true),
            ("/a*b*c", "/aXbYcZc", true),
            ("/a*b*c", "/ab", false),
            ("/a*b*c", "/acb", false),
            ("/a*b*c", "/abcd", false),
            ("/a*b*c", "/bac", false),
            ("/**", "/", true),
            ("/*/*", "/a", false),
            ("/*/*", "/a/b", true),
            // `?` is exactly one character.
            ("/file?.txt", "/file1.txt", true),
            ("/file?.txt", "/file.txt", false),
            ("/file?.txt", "/file12.txt", false),
            ("/?", "/", false),
            ("/a?c", "/a/c", true),
            ("/a?c", "/a*c", true),
            // A decoded path's multi-byte character is one character for `?`.
            ("/?", "/é", true),
            ("/??", "/é", false),
            ("/?x", "/éx", true),
            ("/*??", "/é", false),
            ("/*?b", "/日本b", true),
            // Literal parts match the bytes themselves, wildcards included in the path.
            ("/a$b/~c'd\"@:+&", "/a$b/~c'd\"@:+&", true),
            ("/a", "/a*", false),
        ])
    func matching(pattern text: String, path: String, expected: Bool) throws {
        #expect(try pattern(text).matches(path) == expected, "\(text) against \(path)")
    }

    @Test("a leading / is optional in the pattern and in the path, and the empty path is /")
    func leadingSlash() throws {
        let withSlash = try pattern("/images/*.jpg")
        let without = try pattern("images/*.jpg")
        #expect(withSlash == without)
        #expect(without.normalized == "/images/*.jpg")
        #expect(without.description == "/images/*.jpg")
        #expect(without.matches("/images/a.jpg"))
        #expect(without.matches("images/a.jpg"))
        #expect(try pattern("*.jpg").matches("/a/b.jpg"))
        #expect(try pattern("?foo").matches("/xfoo"))
        #expect(!(try pattern("?foo").matches("/foo")))

        #expect(try pattern("/").matches(""))
        #expect(try pattern("/").matches("/"))
        #expect(!(try pattern("/").matches("/a")))
        #expect(try pattern("/*").matches(""))
        #expect(try pattern("*").matches(""))
        #expect(!(try pattern("/?").matches("")))
        #expect(PathPattern.everything.matches("/any/thing?x=1"))
        #expect(PathPattern.everything.normalized == "/*")
        // Only one leading slash is optional: "//a" is the path "/a" below the root.
        #expect(!(try pattern("/a").matches("//a")))
        #expect(try pattern("//a").matches("//a"))
    }

    @Test("substrings and non-contiguous byte collections match like strings")
    func otherInputs() throws {
        let images = try pattern("/images/*")
        let target = "/images/a.png?v=2"
        let path = target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
        #expect(images.matches(path))
        #expect(images.matches(utf8: AnyCollection(Array("/images/b".utf8))))
        #expect(!images.matches(utf8: AnyCollection(Array("/image/b".utf8))))
        #expect(images.matches(utf8: Array("/images/".utf8)))
    }

    /// The backtracking matcher against a plain recursive definition of the same rules, over
    /// every short pattern and path from a small alphabet (with a two-byte character).
    @Test("agrees with a recursive reference on every short pattern and path")
    func agreesWithReference() throws {
        func reference(_ glob: ArraySlice<Character>, _ path: ArraySlice<Character>) -> Bool {
            guard let first = glob.first else { return path.isEmpty }
            switch first {
            case "*":
                return reference(glob.dropFirst(), path) || (!path.isEmpty && reference(glob, path.dropFirst()))
            case "?":
                return !path.isEmpty && reference(glob.dropFirst(), path.dropFirst())
            default:
                return path.first == first && reference(glob.dropFirst(), path.dropFirst())
            }
        }
        func all(_ alphabet: [Character], upTo length: Int) -> [[Character]] {
            var result: [[Character]] = [[]]
            var layer: [[Character]] = [[]]
            for _ in 0..<length {
                layer = layer.flatMap { prefix in alphabet.map { prefix + [$0] } }
                result += layer
            }
            return result
        }
        let patterns = all(["a", "b", "/", "*", "?"], upTo: 4)
        let paths = all(["a", "b", "/", "é"], upTo: 5)
        var compared = 0
        for glob in patterns {
            let compiled = try pattern("/" + String(glob))
            for path in paths {
                let expected = reference(ArraySlice(glob), ArraySlice(path))
                if compiled.matches("/" + String(path)) != expected {
                    Issue.record("\"/\(String(glob))\" against \"/\(String(path))\": expected \(expected)")
                }
                compared += 1
            }
        }
        #expect(compared == 781 * 1365)
    }

    @Test("a pathological pattern against a long path still answers")
    func pathological() throws {
        let glob = try pattern("/" + String(repeating: "*a", count: 100) + "b")
        let path = "/" + String(repeating: "a", count: 10_000)
        #expect(!glob.matches(path))
        #expect(glob.matches(path + "b"))
    }

    @Test("255 characters at most, counted as written")
    func length() throws {
        let longest = "/" + String(repeating: "a", count: 254)
        #expect(try pattern(longest).normalized == longest)
        #expect(throws: PathPatternError.tooLong(256)) { try PathPattern(longest + "b") }
        #expect(try pattern(String(repeating: "a", count: 255)).normalized.utf8.count == 256)
        #expect(
            PathPatternError.tooLong(256).description == "it is 256 characters long; CloudFront allows at most 255")
    }

    @Test(
        "characters CloudFront refuses are named with their position",
        arguments: [
            ("", PathPatternError.empty),
            ("/a b", .forbiddenCharacter(" ", position: 3)),
            ("/a%20b", .forbiddenCharacter("%", position: 3)),
            ("/a#b", .forbiddenCharacter("#", position: 3)),
            ("/[ab]", .forbiddenCharacter("[", position: 2)),
            ("/café/*", .forbiddenCharacter("é", position: 5)),
            ("/a\\b", .forbiddenCharacter("\\", position: 3)),
            ("/a=b", .forbiddenCharacter("=", position: 3)),
            ("/a\tb", .forbiddenCharacter("\t", position: 3)),
        ])
    func forbidden(text: String, error: PathPatternError) {
        #expect(throws: error) { try PathPattern(text) }
    }

    @Test("error messages say what is allowed")
    func messages() {
        #expect(PathPatternError.forbiddenCharacter(" ", position: 3).description
            == "a space at position 3 is not allowed; path patterns may contain letters, digits, "
            + "_ - . $ / ~ \" ' @ : + & and the wildcards * and ?")
        #expect(PathPatternError.forbiddenCharacter("%", position: 1).description.hasPrefix("\"%\" at position 1"))
        #expect(PathPatternError.forbiddenCharacter("\u{7}", position: 2).description
            .hasPrefix("a control character at position 2"))
    }

    @Test("coverage: which earlier pattern takes every path of a later one")
    func covering() throws {
        func covered(_ later: String, by earlier: String) throws -> Bool {
            try pattern(later).isCovered(by: pattern(earlier))
        }
        #expect(try covered("/images/*", by: "images/*"))
        #expect(try covered("/images/*.jpg", by: "/images/*"))
        #expect(try covered("/images/thumbs/?.jpg", by: "/images/*"))
        #expect(try covered("/anything", by: "*"))
        #expect(try covered("/a/b.jpg", by: "/*.jpg"))
        #expect(try covered("/a/b.jpg", by: "/a/?.jpg"))
        #expect(try !covered("/images/*", by: "/images/*.jpg"))
        #expect(try !covered("/images*", by: "/images/*"))
        #expect(try !covered("/a/b.png", by: "/*.jpg"))
        // Not shown, though true: containment between two patterns with inner wildcards.
        #expect(try !covered("/a/*.jpg", by: "/*.jpg"))
    }
}
