import EdgeCache
import Testing

@Suite("Cache-Control parsing")
struct CacheControlTests {
    private func parse(_ values: String...) -> CacheControl {
        CacheControl(fieldValues: values)
    }

    @Test("every directive the edge uses is read")
    func allDirectives() {
        let directives = parse(
            "public, max-age=60, s-maxage=120, no-cache, no-store, private, must-revalidate, proxy-revalidate",
            "stale-while-revalidate=30, stale-if-error=600, immutable, only-if-cached")
        #expect(directives.maxAge == 60)
        #expect(directives.sharedMaxAge == 120)
        #expect(directives.staleWhileRevalidate == 30)
        #expect(directives.staleIfError == 600)
        #expect(directives.isPublic && directives.noCache && directives.noStore && directives.isPrivate)
        #expect(directives.mustRevalidate && directives.proxyRevalidate && directives.immutable)
        #expect(directives.onlyIfCached)
    }

    @Test("names are case-insensitive; blanks around names, = and values are ignored")
    func caseAndSpaces() {
        let directives = parse("  Max-Age = 60 ,\tNO-STORE\t, S-MAXAGE=5")
        #expect(directives.maxAge == 60)
        #expect(directives.noStore)
        #expect(directives.sharedMaxAge == 5)
    }

    @Test("quoted values are unquoted; a comma inside quotes does not split")
    func quoted() {
        #expect(parse("max-age=\"60\"").maxAge == 60)
        let directives = parse("no-cache=\"Set-Cookie, X-Foo\", max-age=10")
        #expect(directives.noCache)
        #expect(directives.maxAge == 10)
        #expect(parse("private=\"a\\\"b\", max-age=3").maxAge == 3)
    }

    @Test("a duplicated directive keeps its first value, across field lines too")
    func duplicates() {
        #expect(parse("max-age=60, max-age=10").maxAge == 60)
        #expect(parse("max-age=60", "max-age=10").maxAge == 60)
        #expect(parse("s-maxage=1, s-maxage=2", "stale-if-error=3, stale-if-error=4").sharedMaxAge == 1)
    }

    @Test("an unreadable number counts as 0 (stale), a huge one as 2^31")
    func badNumbers() {
        for text in ["max-age=abc", "max-age=-1", "max-age=1.5", "max-age=", "max-age", "max-age=\"\""] {
            #expect(parse(text).maxAge == 0, "\(text)")
        }
        #expect(parse("max-age=99999999999999999999999").maxAge == 1 << 31)
        #expect(parse("max-age=3000000000").maxAge == 1 << 31)
        #expect(parse("max-age=2147483647").maxAge == 2_147_483_647)
    }

    @Test("garbage and unknown directives are skipped, not fatal")
    func garbage() {
        let directives = parse(",,, =5, foo, bar=\"baz, max-age=1\", ;;;, max-age=7, \"unterminated")
        #expect(directives.maxAge == 7)
        #expect(!directives.noStore)
        #expect(parse("") == CacheControl())
        #expect(parse("max-age=5 junk").maxAge == 0)
    }

    @Test("fields are found among headers case-insensitively")
    func fromHeaders() {
        let directives = CacheControl(
            headers: fields("cache-control: max-age=5", "X-Other: no-store", "CACHE-CONTROL: private"))
        #expect(directives.maxAge == 5)
        #expect(directives.isPrivate)
        #expect(!directives.noStore)
    }

    @Test("a viewer's no-cache never forces an origin fetch (CloudFront's default)")
    func viewerDirectivesIgnored() {
        for value in ["no-cache", "no-store", "max-age=0", "only-if-cached", "no-cache, no-store, max-age=0"] {
            #expect(!ViewerCacheControl.forcesOriginFetch(parse(value)), "\(value)")
        }
    }
}
