import EdgeCache
import Testing

@Suite("viewer conditional requests answered from the cache")
struct ViewerConditionalTests {
    private let lastModified = "Sun, 06 Nov 1994 08:49:37 GMT"

    private func entry(status: Int = 200, entityTag: String? = "\"abc\"") -> CachedResponseMeta {
        CachedResponseMeta(
            status: status, headers: [], bodyLength: 3, entityTag: entityTag, lastModified: lastModified,
            storedAt: t0, lifetime: StoreLifetime(ttl: .seconds(60)))
    }

    @Test(
        "If-None-Match uses weak comparison, lists and *",
        arguments: [
            ("\"abc\"", ViewerConditionalResult.notModified),
            ("W/\"abc\"", .notModified),
            ("\"x\", \"abc\"", .notModified),
            ("\"x\",W/\"abc\"", .notModified),
            ("*", .notModified),
            ("\"x\", *", .notModified),
            ("\"abcd\"", .serve),
            ("\"a,bc\"", .serve),
            ("abc", .notModified),
            ("", .serve),
            ("garbage\"", .serve),
        ])
    func ifNoneMatch(_ value: String, _ expected: ViewerConditionalResult) {
        #expect(entry().viewerConditional(ifNoneMatch: value, ifModifiedSince: nil) == expected)
    }

    @Test("a weak stored ETag matches weakly too")
    func weakStored() {
        #expect(entry(entityTag: "W/\"abc\"").viewerConditional(ifNoneMatch: "\"abc\"", ifModifiedSince: nil)
            == .notModified)
        #expect(entry(entityTag: nil).viewerConditional(ifNoneMatch: "\"abc\"", ifModifiedSince: nil) == .serve)
        #expect(entry(entityTag: nil).viewerConditional(ifNoneMatch: "*", ifModifiedSince: nil) == .notModified)
    }

    @Test("If-Modified-Since: 304 when not modified after the date; ignored when invalid")
    func ifModifiedSince() {
        let stored = entry()
        #expect(stored.viewerConditional(ifNoneMatch: nil, ifModifiedSince: lastModified) == .notModified)
        #expect(stored.viewerConditional(ifNoneMatch: nil, ifModifiedSince: "Mon, 07 Nov 1994 00:00:00 GMT")
            == .notModified)
        #expect(stored.viewerConditional(ifNoneMatch: nil, ifModifiedSince: "Sat, 05 Nov 1994 00:00:00 GMT")
            == .serve)
        #expect(stored.viewerConditional(ifNoneMatch: nil, ifModifiedSince: "yesterday") == .serve)
    }

    @Test(
        "If-Match needs a strong match (or *); otherwise 412 before any 304",
        arguments: [
            ("\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("W/\"abc\"", false),
            ("\"abcd\"", false),
            ("not a tag\"", false),
        ])
    func ifMatch(_ value: String, _ holds: Bool) {
        let stored = entry()
        #expect(stored.preconditionsHold(ifMatch: value, ifUnmodifiedSince: nil) == holds)
        #expect(stored.viewerConditional(requestHeaders: fields("If-Match: \(value)", "If-None-Match: \"abc\""))
            == (holds ? .notModified : .preconditionFailed))
        // A weak stored ETag never passes a strong comparison; only * does.
        #expect(entry(entityTag: "W/\"abc\"").preconditionsHold(ifMatch: value, ifUnmodifiedSince: nil) == (value == "*"))
    }

    @Test("If-Unmodified-Since: 412 when modified after the date; ignored when invalid or under If-Match")
    func ifUnmodifiedSince() {
        let stored = entry()
        #expect(stored.viewerConditional(requestHeaders: fields("If-Unmodified-Since: \(lastModified)")) == .serve)
        #expect(stored.viewerConditional(requestHeaders: fields("If-Unmodified-Since: Sat, 05 Nov 1994 00:00:00 GMT"))
            == .preconditionFailed)
        #expect(stored.viewerConditional(requestHeaders: fields("If-Unmodified-Since: soon")) == .serve)
        #expect(stored.viewerConditional(requestHeaders: fields(
            "If-Match: *", "If-Unmodified-Since: Sat, 05 Nov 1994 00:00:00 GMT")) == .serve)
        #expect(entry(status: 404).viewerConditional(requestHeaders: fields("If-Match: \"zzz\"")) == .serve)
    }

    @Test("If-Modified-Since is ignored when If-None-Match is present (RFC 9110 §13.1.3)")
    func precedence() {
        let stored = entry()
        #expect(stored.viewerConditional(ifNoneMatch: "\"other\"", ifModifiedSince: lastModified) == .serve)
        #expect(stored.viewerConditional(ifNoneMatch: "not a tag\"", ifModifiedSince: lastModified) == .serve)
        #expect(stored.viewerConditional(requestHeaders: fields(
            "If-Modified-Since: \(lastModified)", "if-none-match: \"x\"", "If-None-Match: \"abc\"")) == .notModified)
    }

    @Test("cached errors are never answered 304")
    func errorsUnconditional() {
        #expect(entry(status: 404).viewerConditional(ifNoneMatch: "*", ifModifiedSince: lastModified) == .serve)
    }
}
