import EdgeCache
import Testing

@Suite("freshness, Age and revalidation")
struct FreshnessTests {
    private func meta(
        ttl: Int64 = 60, staleWhileRevalidate: Int64 = 0, staleIfError: Int64 = 0,
        headers: [(name: String, value: String)] = fields("Content-Type: text/plain", "Cache-Control: max-age=60"),
        entityTag: String? = "\"v1\"", lastModified: String? = "Sun, 06 Nov 1994 08:49:37 GMT"
    ) -> CachedResponseMeta {
        CachedResponseMeta(
            status: 200, headers: headers, bodyLength: 5, entityTag: entityTag, lastModified: lastModified,
            storedAt: t0,
            lifetime: StoreLifetime(
                ttl: .seconds(ttl), staleWhileRevalidate: .seconds(staleWhileRevalidate),
                staleIfError: .seconds(staleIfError)))
    }

    @Test("fresh until expiresAt, with its age")
    func fresh() {
        let entry = meta()
        #expect(entry.freshness(at: t0) == .fresh(age: .zero))
        #expect(entry.freshness(at: at(59) + .milliseconds(999)) == .fresh(age: .milliseconds(59_999)))
        #expect(entry.freshness(at: at(60)) == .mustRevalidate)
    }

    @Test("after the TTL, the stale windows decide what may be served")
    func staleWindows() {
        let entry = meta(ttl: 60, staleWhileRevalidate: 30, staleIfError: 300)
        #expect(entry.freshness(at: at(60)) == .stale(canServeWhileRevalidating: true, canServeIfError: true))
        #expect(entry.freshness(at: at(89)) == .stale(canServeWhileRevalidating: true, canServeIfError: true))
        #expect(entry.freshness(at: at(90)) == .stale(canServeWhileRevalidating: false, canServeIfError: true))
        #expect(entry.freshness(at: at(359)) == .stale(canServeWhileRevalidating: false, canServeIfError: true))
        #expect(entry.freshness(at: at(360)) == .mustRevalidate)
    }

    @Test("a TTL of zero is stale at once")
    func zeroTTL() {
        #expect(meta(ttl: 0).freshness(at: t0) == .mustRevalidate)
    }

    @Test("Age is whole seconds since storing, never negative")
    func age() {
        let entry = meta()
        #expect(entry.age(at: t0) == 0)
        #expect(entry.age(at: at(1) + .milliseconds(999)) == 1)
        #expect(entry.age(at: at(3600)) == 3600)
        #expect(entry.age(at: at(-5)) == 0)
        #expect(entry.freshness(at: at(-5)) == .fresh(age: .zero))
    }

    @Test("revalidation sends If-None-Match and If-Modified-Since from the stored validators")
    func conditionalHeaders() {
        #expect(meta().conditionalRequestHeaders.map { "\($0.name): \($0.value)" } == [
            "If-None-Match: \"v1\"", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT",
        ])
        #expect(meta(entityTag: nil).conditionalRequestHeaders.map(\.name) == ["If-Modified-Since"])
        #expect(meta(entityTag: nil, lastModified: nil).conditionalRequestHeaders.isEmpty)
    }

    @Test("a 304 refreshes storedAt and the TTL and merges its header fields")
    func notModified() throws {
        let policy = CachePolicy()
        let entry = meta(headers: fields(
            "Content-Type: text/plain", "Content-Length: 5", "Cache-Control: max-age=60", "X-Amz-Meta-A: old"))
        let refreshed = try #require(entry.revalidated(
            notModifiedHeaders: fields(
                "Cache-Control: max-age=600", "X-Amz-Meta-A: new", "ETag: \"v1\"", "Content-Length: 0",
                "Last-Modified: Mon, 07 Nov 1994 08:49:37 GMT"),
            policy: policy, now: at(100)))
        #expect(refreshed.storedAt == at(100))
        #expect(refreshed.expiresAt == at(700))
        #expect(refreshed.freshness(at: at(650)) == .fresh(age: .seconds(550)))
        #expect(refreshed.bodyLength == 5)
        #expect(refreshed.lastModified == "Mon, 07 Nov 1994 08:49:37 GMT")
        #expect(refreshed.headers.map { "\($0.name): \($0.value)" } == [
            "Content-Type: text/plain", "Content-Length: 5", "Cache-Control: max-age=600", "X-Amz-Meta-A: new",
            "ETag: \"v1\"", "Last-Modified: Mon, 07 Nov 1994 08:49:37 GMT",
        ])
    }

    @Test("a 304 without caching fields keeps the stored ones, so the TTL rule is the same")
    func notModifiedBare() throws {
        let refreshed = try #require(meta().revalidated(notModifiedHeaders: [], policy: CachePolicy(), now: at(100)))
        #expect(refreshed.expiresAt == at(160))
    }

    @Test("a 304 that now forbids storing (no-store, min_ttl 0) removes the entry")
    func notModifiedForbids() {
        let policy = CachePolicy(minTTL: .zero)
        #expect(meta().revalidated(notModifiedHeaders: fields("Cache-Control: no-store"), policy: policy, now: at(100))
            == nil)
    }
}
