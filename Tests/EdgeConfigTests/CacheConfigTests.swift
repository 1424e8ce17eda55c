import Testing

@testable import EdgeConfig

@Suite("cache section and distributions' caching keys")
struct CacheConfigTests {
    /// `body` as the keys of the only distribution (E1, cdn.example.com), from line 4.
    private func distribution(_ body: String) -> String {
        withRequired("distributions:\n  - id: E1\n    hostnames: [cdn.example.com]\n" + body)
    }

    @Test("omitted, everything is CloudFront's CachingOptimized, /var/cache/s3edge and 10 GiB")
    func defaults() throws {
        let (configuration, warnings) = try load(withRequired(""))
        #expect(warnings.isEmpty)
        #expect(configuration.cache == CacheSettings(path: "/var/cache/s3edge", maxSize: 10 << 30))
        let distribution = try #require(configuration.distributions.first)
        #expect(distribution.cachePolicy == CachePolicySettings(
            minTTL: .seconds(1), defaultTTL: .seconds(86400), maxTTL: .seconds(31_536_000), queryStrings: .none,
            headers: [], cookies: .none, line: 0))
        #expect(distribution.errorCachingMinTTL == .seconds(10))
        #expect(distribution.maxObjectSize == 1 << 30)
    }

    @Test("every key is read, with the policy's line")
    func everyKey() throws {
        let (configuration, warnings) = try load(withRequired(
            """
            cache:
              path: /srv/cache
              max_size: 20GiB
            distributions:
              - id: E1
                hostnames: [cdn.example.com]
                cache_policy:
                  min_ttl: 0
                  default_ttl: 1h
                  max_ttl: 1d
                  query_strings: [w, v]
                  headers: [Accept-Language, origin]
                  cookies: all
                error_caching_min_ttl: 0
                max_object_size: 256MiB
            """))
        #expect(warnings.isEmpty)
        #expect(configuration.cache == CacheSettings(path: "/srv/cache", maxSize: 20 << 30))
        let distribution = try #require(configuration.distributions.first)
        #expect(distribution.cachePolicy == CachePolicySettings(
            minTTL: .zero, defaultTTL: .seconds(3600), maxTTL: .seconds(86400), queryStrings: .allowList(["w", "v"]),
            headers: ["accept-language", "origin"], cookies: .all, line: 7))
        #expect(distribution.errorCachingMinTTL == .zero)
        #expect(distribution.maxObjectSize == 256 << 20)
    }

    @Test("TTLs are whole seconds from 0 to 100 years, as numbers or durations")
    func ttlValues() throws {
        let forms: [(String, Int64)] = [("0", 0), ("0s", 0), ("86400", 86400), ("1d", 86400), ("1m30s", 90)]
        for (text, seconds) in forms {
            let (configuration, _) = try load(distribution("    error_caching_min_ttl: \(text)\n"))
            #expect(configuration.distributions[0].errorCachingMinTTL == .seconds(seconds), "\(text)")
        }
        #expect(diagnostics(distribution("    cache_policy:\n      min_ttl: 500ms\n")) == [
            "s3edge.yaml:5: distributions[0].cache_policy.min_ttl: \"500ms\": TTLs are whole seconds, like CloudFront's"
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      min_ttl: -1\n")) == [
            "s3edge.yaml:5: distributions[0].cache_policy.min_ttl: must be between 0 and 3153600000 seconds "
                + "(100 years), got -1"
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      max_ttl: 3153600001\n")) == [
            "s3edge.yaml:5: distributions[0].cache_policy.max_ttl: must be between 0 and 3153600000 seconds "
                + "(100 years), got \"3153600001\""
        ])
        #expect(diagnostics(distribution("    error_caching_min_ttl: soon\n")) == [
            "s3edge.yaml:4: distributions[0].error_caching_min_ttl: \"soon\" is not a TTL; write a number of "
                + "seconds (86400) or a duration in whole seconds (\"1d\", \"10m\")"
        ])
        #expect(diagnostics(distribution("    error_caching_min_ttl: [1]\n")) == [
            "s3edge.yaml:4: distributions[0].error_caching_min_ttl: expected a number of seconds such as 86400, "
                + "or a duration such as \"1d\", got a list"
        ])
    }

    @Test("min_ttl ≤ default_ttl ≤ max_ttl, reported at the key written out of order")
    func ttlOrder() {
        #expect(diagnostics(distribution("    cache_policy:\n      min_ttl: 600\n      default_ttl: 60\n")) == [
            "s3edge.yaml:6: distributions[0].cache_policy.default_ttl: default_ttl (60) is less than min_ttl (600); "
                + "TTLs must satisfy min_ttl ≤ default_ttl ≤ max_ttl"
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      max_ttl: 3600\n")) == [
            "s3edge.yaml:5: distributions[0].cache_policy.max_ttl: max_ttl (3600) is less than default_ttl (86400); "
                + "TTLs must satisfy min_ttl ≤ default_ttl ≤ max_ttl"
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      default_ttl: 2y\n")).count == 1)
    }

    @Test("omitted TTLs follow CloudFront: default_ttl rises to min_ttl, max_ttl to default_ttl")
    func cloudFrontTTLDefaults() throws {
        let (configuration, _) = try load(distribution("    cache_policy:\n      min_ttl: 100000\n"))
        #expect(configuration.distributions[0].cachePolicy.defaultTTL == .seconds(100_000))
        #expect(configuration.distributions[0].cachePolicy.maxTTL == .seconds(31_536_000))
        let (long, _) = try load(distribution("    cache_policy:\n      default_ttl: 40000000\n"))
        #expect(long.distributions[0].cachePolicy.maxTTL == .seconds(40_000_000))
    }

    @Test("query_strings and cookies: none, all or a list of valid, distinct names")
    func queryStringsAndCookies() throws {
        let (configuration, _) = try load(distribution(
            "    cache_policy:\n      query_strings: ALL\n      cookies: [session_id, lang]\n"))
        #expect(configuration.distributions[0].cachePolicy.queryStrings == .all)
        #expect(configuration.distributions[0].cachePolicy.cookies == .allowList(["session_id", "lang"]))
        let (none, _) = try load(distribution("    cache_policy: { query_strings: none, cookies: None }\n"))
        #expect(none.distributions[0].cachePolicy.queryStrings == .none)
        #expect(none.distributions[0].cachePolicy.cookies == .none)
        #expect(diagnostics(distribution(
            """
                cache_policy:
                  query_strings: v
                  cookies: []
            """)) == [
            "s3edge.yaml:5: distributions[0].cache_policy.query_strings: \"v\" is not supported; use none, all or "
                + "a list of query parameter names such as [v]",
            "s3edge.yaml:6: distributions[0].cache_policy.cookies: an empty list selects no cookie; write none",
        ])
        #expect(diagnostics(distribution(
            """
                cache_policy:
                  query_strings: [v, "a&b", v, ""]
                  cookies: ["a b", {x: 1}]
            """)) == [
            "s3edge.yaml:5: distributions[0].cache_policy.query_strings[1]: \"a&b\" is not a valid query "
                + "parameter name",
            "s3edge.yaml:5: distributions[0].cache_policy.query_strings[2]: \"v\" is listed twice; remove one",
            "s3edge.yaml:5: distributions[0].cache_policy.query_strings[3]: must not be empty; "
                + "write a query parameter name or remove the key",
            "s3edge.yaml:6: distributions[0].cache_policy.cookies[0]: \"a b\" is not a valid cookie name",
            "s3edge.yaml:6: distributions[0].cache_policy.cookies[1]: expected a cookie name, got a mapping",
        ])
    }

    @Test("headers: valid names, lower-cased, once each; never host or cookie")
    func headers() throws {
        let (configuration, _) = try load(distribution("    cache_policy:\n      headers: none\n"))
        #expect(configuration.distributions[0].cachePolicy.headers.isEmpty)
        #expect(diagnostics(distribution(
            """
                cache_policy:
                  headers:
                    - Accept-Language
                    - accept-language
                    - Host
                    - Cookie
                    - "X Bad"
            """)) == [
            "s3edge.yaml:7: distributions[0].cache_policy.headers[1]: \"accept-language\" is listed twice; remove one",
            "s3edge.yaml:8: distributions[0].cache_policy.headers[2]: the host is always part of the cache key; "
                + "remove host",
            "s3edge.yaml:9: distributions[0].cache_policy.headers[3]: key on cookies with cookies: (none, all or a "
                + "list of names), not headers",
            "s3edge.yaml:10: distributions[0].cache_policy.headers[4]: \"X Bad\" is not a valid header name",
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      headers: accept\n")) == [
            "s3edge.yaml:5: distributions[0].cache_policy.headers: expected a list of header names such as "
                + "[accept-language], or none, got the string \"accept\""
        ])
    }

    @Test("unknown keys in the new sections get a did-you-mean")
    func unknownKeys() {
        #expect(diagnostics(distribution("    cache_polcy: {}\n    max_object_sise: 1k\n")) == [
            "s3edge.yaml:4: unknown key \"cache_polcy\" in distributions[0]; did you mean \"cache_policy\"?",
            "s3edge.yaml:5: unknown key \"max_object_sise\" in distributions[0]; did you mean \"max_object_size\"?",
        ])
        #expect(diagnostics(distribution("    cache_policy:\n      min_tll: 1\n")) == [
            "s3edge.yaml:5: unknown key \"min_tll\" in distributions[0].cache_policy; did you mean \"min_ttl\"?"
        ])
        #expect(diagnostics(withRequired("cache:\n  max_szie: 1GiB\n")) == [
            "s3edge.yaml:2: unknown key \"max_szie\" in cache; did you mean \"max_size\"?"
        ])
    }

    @Test("cache.path resolves against the configuration's directory; ~ is refused; sizes are checked")
    func cacheSection() throws {
        let (configuration, _) = try load(withRequired("cache:\n  path: ../cache/s3edge\n"))
        #expect(configuration.cache.path == "/etc/cache/s3edge")
        #expect(diagnostics(withRequired("cache:\n  path: ~/cache\n  max_size: 1MiB\n")) == [
            "s3edge.yaml:2: cache.path: \"~/cache\": \"~\" is not expanded; write an absolute path",
            "s3edge.yaml:3: cache.max_size: must be at least 16777216 bytes, got \"1MiB\" (1048576 bytes)",
        ])
        #expect(diagnostics(withRequired("cache: /var/cache/s3edge\n")) == [
            "s3edge.yaml:1: cache: expected a mapping with keys path, max_size, encryption, got the string \"/var/cache/s3edge\""
        ])
        #expect(diagnostics(distribution("    max_object_size: 0\n")) == [
            "s3edge.yaml:4: distributions[0].max_object_size: must be at least 1 bytes, got \"0\" (0 bytes)"
        ])
    }

    @Test("max_object_size above what the cache keeps (a quarter of max_size) is a warning at the key written")
    func objectLargerThanCache() throws {
        let (_, written) = try load(withRequired(
            """
            cache:
              max_size: 1GiB
            distributions:
              - id: E1
                hostnames: [cdn.example.com]
                max_object_size: 300MiB
            """))
        #expect(written == [
            "s3edge.yaml:6: warning: distributions: E1's max_object_size (314572800 bytes) is more than the cache "
                + "keeps: a quarter of cache.max_size (1073741824 bytes), 268435456 bytes: objects between the two "
                + "sizes are fetched but never cached; lower max_object_size or raise cache.max_size"
        ])
        let (_, defaulted) = try load(withRequired("cache:\n  max_size: 2GiB\n"))
        #expect(defaulted == [
            "s3edge.yaml:2: warning: distribution E1's default max_object_size (1073741824 bytes) is more than the "
                + "cache keeps: a quarter of cache.max_size (2147483648 bytes), 536870912 bytes: objects between the "
                + "two sizes are fetched but never cached; lower max_object_size or raise cache.max_size"
        ])
        let (_, quiet) = try load(withRequired("cache:\n  max_size: 4GiB\n"))
        #expect(quiet.isEmpty)
    }

    @Test("the shipped example configures the cache and both policies")
    func exampleConfig() throws {
        let (configuration, warnings) = try ConfigLoader.load(path: packageRoot() + "/config/s3edge.example.yaml")
        #expect(warnings.isEmpty)
        var expected = CacheSettings(path: "/var/cache/s3edge", maxSize: 10 << 30)
        expected.encryption = .kms(KMSEncryptionSettings(
            keyID: "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", region: "eu-west-2"))
        #expect(configuration.cache == expected)
        let first = try #require(configuration.distributions.first)
        #expect(first.cachePolicy.minTTL == .seconds(1))
        #expect(first.cachePolicy.defaultTTL == .seconds(86400))
        #expect(first.cachePolicy.maxTTL == .seconds(31_536_000))
        #expect(first.errorCachingMinTTL == .seconds(10))
        #expect(first.maxObjectSize == 1 << 30)
    }
}
