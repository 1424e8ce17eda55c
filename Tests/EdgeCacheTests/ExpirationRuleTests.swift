import EdgeCache
import Testing

/// One documented CloudFront expiration rule: a policy, an origin response,
/// and what CloudFront does. `rule` quotes the CloudFront Developer Guide
/// ("Manage how long content stays in the cache (expiration)" and "Control
/// how long CloudFront caches errors") and names the test case.
struct ExpirationRule: CustomTestStringConvertible, Sendable {
    var rule: String
    var minTTL: Int64 = 1
    var defaultTTL: Int64 = 86400
    var maxTTL: Int64 = 31_536_000
    var errorCachingMinTTL: Int64 = 10
    var status = 200
    var headers: [String] = []
    /// Expected TTL in seconds, or nil for "not cached".
    var ttl: Int64?

    var testDescription: String { rule }

    var policy: CachePolicy {
        CachePolicy(
            minTTL: .seconds(minTTL), defaultTTL: .seconds(defaultTTL), maxTTL: .seconds(maxTTL),
            errorCachingMinTTL: .seconds(errorCachingMinTTL))
    }
}

/// `Expires`/`Date` values relative to `t0`.
private func date(_ offset: Int64) -> String {
    HTTPDate.format(at(offset))
}

private let rules: [ExpirationRule] = [
    // Origin adds Cache-Control max-age.
    ExpirationRule(
        rule: "max-age, Minimum TTL = 0: \"CloudFront caches the object for the lesser of the value of the "
            + "Cache-Control: max-age directive or the value of the CloudFront maximum TTL\" (max-age is lesser)",
        minTTL: 0, maxTTL: 3600, headers: ["Cache-Control: max-age=600"], ttl: 600),
    ExpirationRule(
        rule: "max-age, Minimum TTL = 0: \"... the lesser of the value of the Cache-Control: max-age directive "
            + "or the value of the CloudFront maximum TTL\" (maximum TTL is lesser)",
        minTTL: 0, maxTTL: 300, headers: ["Cache-Control: max-age=3600"], ttl: 300),
    ExpirationRule(
        rule: "max-age, Minimum TTL > 0: \"Minimum TTL < max-age < maximum TTL: CloudFront caches the object "
            + "for the value of the Cache-Control: max-age directive\"",
        minTTL: 60, maxTTL: 3600, headers: ["Cache-Control: max-age=600"], ttl: 600),
    ExpirationRule(
        rule: "max-age, Minimum TTL > 0: \"max-age < minimum TTL: CloudFront caches the object for the value "
            + "of the CloudFront minimum TTL\"",
        minTTL: 60, maxTTL: 3600, headers: ["Cache-Control: max-age=5"], ttl: 60),
    ExpirationRule(
        rule: "max-age, Minimum TTL > 0: \"max-age > maximum TTL: CloudFront caches the object for the value "
            + "of the CloudFront maximum TTL\"",
        minTTL: 60, maxTTL: 3600, headers: ["Cache-Control: max-age=86400"], ttl: 3600),
    ExpirationRule(
        rule: "max-age=0, Minimum TTL > 0: \"CloudFront uses the cache policy's minimum TTL, even if the "
            + "Cache-Control: max-age directive is set to 0\"",
        minTTL: 1, headers: ["Cache-Control: max-age=0"], ttl: 1),
    // No max-age, no Expires.
    ExpirationRule(
        rule: "no max-age: \"The origin doesn't add a Cache-Control: max-age directive to the object: "
            + "CloudFront caches the object for the value of the CloudFront default TTL\"",
        minTTL: 0, defaultTTL: 7200, headers: ["Cache-Control: public"], ttl: 7200),
    // s-maxage.
    ExpirationRule(
        rule: "s-maxage: \"CloudFront caches the object for the lesser of the value of the Cache-Control: "
            + "s-maxage directive or the value of the CloudFront maximum TTL\" (s-maxage wins over max-age)",
        minTTL: 0, headers: ["Cache-Control: max-age=60, s-maxage=3600"], ttl: 3600),
    ExpirationRule(
        rule: "s-maxage: \"... the lesser of the value of the Cache-Control: s-maxage directive or the value "
            + "of the CloudFront maximum TTL\" (maximum TTL is lesser)",
        minTTL: 0, maxTTL: 100, headers: ["Cache-Control: s-maxage=3600, max-age=60"], ttl: 100),
    ExpirationRule(
        rule: "s-maxage, Minimum TTL > 0: \"max-age < minimum TTL\" applies to s-maxage too",
        minTTL: 60, headers: ["Cache-Control: s-maxage=10"], ttl: 60),
    // Expires.
    ExpirationRule(
        rule: "Expires, Minimum TTL = 0: \"CloudFront caches the object until the date in the Expires header "
            + "field or for the value of the CloudFront maximum TTL, whichever comes first\" (Expires first)",
        minTTL: 0, maxTTL: 3600, headers: ["Date: \(date(0))", "Expires: \(date(1800))"], ttl: 1800),
    ExpirationRule(
        rule: "Expires, Minimum TTL = 0: \"... until the date in the Expires header field or for the value of "
            + "the CloudFront maximum TTL, whichever comes first\" (maximum TTL first)",
        minTTL: 0, maxTTL: 3600, headers: ["Date: \(date(0))", "Expires: \(date(7200))"], ttl: 3600),
    ExpirationRule(
        rule: "Expires, Minimum TTL > 0: \"Minimum TTL < Expires < maximum TTL: CloudFront caches the object "
            + "until the date and time in the Expires header field\"",
        minTTL: 60, maxTTL: 3600, headers: ["Expires: \(date(600))"], ttl: 600),
    ExpirationRule(
        rule: "Expires, Minimum TTL > 0: \"Expires < minimum TTL: CloudFront caches the object for the value "
            + "of the CloudFront minimum TTL\"",
        minTTL: 60, maxTTL: 3600, headers: ["Expires: \(date(30))"], ttl: 60),
    ExpirationRule(
        rule: "Expires, Minimum TTL > 0: \"Expires > maximum TTL: CloudFront caches the object for the value "
            + "of the CloudFront maximum TTL\"",
        minTTL: 60, maxTTL: 3600, headers: ["Expires: \(date(86400))"], ttl: 3600),
    ExpirationRule(
        rule: "Expires in the past, Minimum TTL = 0: \"caches the object until the date in the Expires header\" "
            + "— already past, so not cached",
        minTTL: 0, headers: ["Expires: \(date(-60))"], ttl: nil),
    ExpirationRule(
        rule: "Expires in the past, Minimum TTL > 0: \"Expires < minimum TTL: CloudFront caches the object for "
            + "the value of the CloudFront minimum TTL\"",
        minTTL: 5, headers: ["Expires: \(date(-60))"], ttl: 5),
    ExpirationRule(
        rule: "invalid Expires (\"0\"), Minimum TTL = 0: RFC 9111 §5.3 \"MUST interpret invalid date formats, "
            + "especially the value '0', as representing a time in the past\" — not cached",
        minTTL: 0, headers: ["Expires: 0"], ttl: nil),
    ExpirationRule(
        rule: "Expires relative to the origin's Date: a skewed origin clock does not shift the lifetime",
        minTTL: 0, headers: ["Date: \(date(-1000))", "Expires: \(date(-400))"], ttl: 600),
    ExpirationRule(
        rule: "max-age over Expires: \"If you specify values both for Cache-Control max-age and for Expires, "
            + "CloudFront uses only the value of max-age\"",
        minTTL: 0, headers: ["Expires: \(date(86400))", "Cache-Control: max-age=120"], ttl: 120),
    // no-cache, no-store, private.
    ExpirationRule(
        rule: "no-cache, Minimum TTL = 0: \"CloudFront and browsers respect the headers\" — not cached",
        minTTL: 0, headers: ["Cache-Control: no-cache"], ttl: nil),
    ExpirationRule(
        rule: "no-store, Minimum TTL = 0: \"CloudFront and browsers respect the headers\" — not cached",
        minTTL: 0, headers: ["Cache-Control: no-store, max-age=600"], ttl: nil),
    ExpirationRule(
        rule: "private, Minimum TTL = 0: \"CloudFront and browsers respect the headers\" — not cached",
        minTTL: 0, headers: ["Cache-Control: private, max-age=600"], ttl: nil),
    ExpirationRule(
        rule: "no-cache, Minimum TTL > 0: \"CloudFront caches the object for the value of the CloudFront "
            + "minimum TTL\"",
        minTTL: 30, headers: ["Cache-Control: no-cache"], ttl: 30),
    ExpirationRule(
        rule: "no-store, Minimum TTL > 0: \"CloudFront caches the object for the value of the CloudFront "
            + "minimum TTL\"",
        minTTL: 30, headers: ["Cache-Control: no-store"], ttl: 30),
    ExpirationRule(
        rule: "private, Minimum TTL > 0: \"CloudFront caches the object for the value of the CloudFront "
            + "minimum TTL\"",
        minTTL: 30, headers: ["Cache-Control: private, max-age=86400"], ttl: 30),
    // Errors.
    ExpirationRule(
        rule: "errors: \"CloudFront caches error responses for a default duration of 10 seconds\" "
            + "(Error Caching Minimum TTL, no caching headers)",
        status: 403, ttl: 10),
    ExpirationRule(
        rule: "errors: \"If the origin adds a Cache-Control: max-age ... CloudFront caches the error response "
            + "for the greater of the value in the header or the value of Error Caching Minimum TTL\" (header greater)",
        status: 404, headers: ["Cache-Control: max-age=300"], ttl: 300),
    ExpirationRule(
        rule: "errors: \"... for the greater of the value in the header or the value of Error Caching Minimum "
            + "TTL\" (Error Caching Minimum TTL greater)",
        errorCachingMinTTL: 60, status: 503, headers: ["Cache-Control: max-age=5"], ttl: 60),
    ExpirationRule(
        rule: "errors: \"The Cache-Control: max-age and Cache-Control: s-maxage values can't be greater than "
            + "the Maximum TTL value\"",
        maxTTL: 100, status: 500, headers: ["Cache-Control: s-maxage=3600"], ttl: 100),
    ExpirationRule(
        rule: "errors: \"If the origin adds other Cache-Control directives or adds no headers: CloudFront caches "
            + "the error response for the value of Error Caching Minimum TTL\" (no-store)",
        minTTL: 0, status: 502, headers: ["Cache-Control: no-store, no-cache, must-revalidate"], ttl: 10),
    ExpirationRule(
        rule: "errors: Error Caching Minimum TTL 0 and no caching headers: the error is not cached",
        errorCachingMinTTL: 0, status: 504, ttl: nil),
    // Statuses.
    ExpirationRule(
        rule: "416: \"CloudFront doesn't cache status code 416 responses\"",
        status: 416, headers: ["Cache-Control: max-age=600"], ttl: nil),
    ExpirationRule(
        rule: "206: a partial body is not the object; fills always fetch the whole object", status: 206,
        headers: ["Cache-Control: max-age=600"], ttl: nil),
]

@Suite("CloudFront expiration rules")
struct ExpirationRuleTests {
    @Test(arguments: rules)
    func rule(_ rule: ExpirationRule) {
        let decision = rule.policy.storeDecision(status: rule.status, headers: fields(rule.headers), now: t0)
        switch decision {
        case .store(let lifetime):
            #expect(lifetime.ttl == .seconds(rule.ttl ?? -1), "stored for \(lifetime.ttl)")
        case .doNotStore(let reason):
            #expect(rule.ttl == nil, "not stored: \(reason)")
        }
    }

    @Test("stale-while-revalidate and stale-if-error are kept, unless must-revalidate or proxy-revalidate")
    func staleWindows() {
        let policy = CachePolicy()
        let windows = policy.storeDecision(
            status: 200, headers: fields(["Cache-Control: max-age=60, stale-while-revalidate=30, stale-if-error=600"]),
            now: t0)
        #expect(windows == .store(StoreLifetime(ttl: .seconds(60), staleWhileRevalidate: .seconds(30),
            staleIfError: .seconds(600))))
        for extra in ["must-revalidate", "proxy-revalidate"] {
            let decision = policy.storeDecision(
                status: 200, headers: fields(["Cache-Control: max-age=60, stale-if-error=600, \(extra)"]), now: t0)
            #expect(decision == .store(StoreLifetime(ttl: .seconds(60))), "\(extra)")
        }
    }

    @Test("a Content-Length above max_object_size is not cached")
    func tooLarge() {
        let policy = CachePolicy(maxObjectSize: 1000)
        #expect(policy.storeDecision(status: 200, headers: fields(["Content-Length: 1001"]), now: t0)
            == .doNotStore(.tooLarge(1001)))
        #expect(policy.storeDecision(status: 200, headers: fields(["Content-Length: 1000"]), now: t0)
            == .store(StoreLifetime(ttl: .seconds(86400))))
    }

    @Test("the defaults are CloudFront's CachingOptimized policy")
    func defaults() {
        let policy = CachePolicy.cachingOptimized
        #expect(policy.minTTL == .seconds(1))
        #expect(policy.defaultTTL == .seconds(86400))
        #expect(policy.maxTTL == .seconds(31_536_000))
        #expect(policy.queryStrings == .none && policy.cookies == .none && policy.headers.isEmpty)
        #expect(policy.errorCachingMinTTL == .seconds(10))
        #expect(policy.maxObjectSize == 1 << 30)
    }
}

private func fields(_ lines: [String]) -> [(name: String, value: String)] {
    lines.map { line in
        let colon = line.firstIndex(of: ":")!
        return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
    }
}
