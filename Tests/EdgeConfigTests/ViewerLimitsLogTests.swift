import Testing

@testable import EdgeConfig

@Suite("viewer, limits and log sections")
struct ViewerLimitsLogTests {
    @Test("a bad protocol_policy lists the allowed values")
    func badPolicy() {
        #expect(diagnostics(withRequired("viewer:\n  protocol_policy: redirect\n")) == [
            "s3edge.yaml:2: viewer.protocol_policy: \"redirect\" is not supported; "
                + "use redirect-to-https, https-only or allow-all"
        ])
    }

    @Test("hsts in block style works the same as in flow style")
    func hstsBlock() throws {
        let (configuration, _) = try load(withRequired("viewer:\n  hsts:\n    max_age: 600\n"))
        #expect(configuration.viewer.hsts == HSTSSettings(maxAge: 600))
        #expect(configuration.viewer.hsts?.headerValue == "max-age=600")
    }

    @Test("preload needs include_subdomains and a one-year max_age")
    func preloadRules() {
        let yaml = withRequired("viewer:\n  hsts: { max_age: 86400, preload: true }\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:2: viewer.hsts.preload: true requires include_subdomains: true (hstspreload.org rules); "
                + "add it or set preload: false",
            "s3edge.yaml:2: viewer.hsts.preload: true requires max_age of at least 31536000 "
                + "(one year, hstspreload.org rules), got 86400",
        ])
    }

    @Test("hsts needs max_age; bad values name the key")
    func hstsValues() {
        #expect(diagnostics(withRequired("viewer:\n  hsts:\n    include_subdomains: maybe\n")) == [
            "s3edge.yaml:2: viewer.hsts: missing required key \"max_age\" (seconds browsers keep to HTTPS, e.g. 31536000)",
            "s3edge.yaml:3: viewer.hsts.include_subdomains: expected true or false, got the string \"maybe\"",
        ])
        #expect(diagnostics(withRequired("viewer:\n  hsts: { max_age: -1 }\n")) == [
            "s3edge.yaml:2: viewer.hsts.max_age: must be between 0 and 2147483647, got -1"
        ])
        #expect(diagnostics(withRequired("viewer:\n  hsts: { max_age: 1y }\n")) == [
            "s3edge.yaml:2: viewer.hsts.max_age: expected a whole number, got the string \"1y\""
        ])
        #expect(diagnostics(withRequired("viewer:\n  hsts: true\n")) == [
            "s3edge.yaml:2: viewer.hsts: expected a mapping with keys max_age, include_subdomains, preload, "
                + "got the boolean true"
        ])
    }

    @Test("a redirect policy without a plain-HTTP listener is a warning")
    func redirectWithoutHTTP() throws {
        let (_, warnings) = try load(withRequired("viewer:\n  protocol_policy: redirect-to-https\n"))
        #expect(warnings == [
            "s3edge.yaml:2: warning: viewer.protocol_policy: redirect-to-https has no effect without a plain-HTTP "
                + "listener; add listen.http (e.g. \"0.0.0.0:80\") or use https-only"
        ])
    }

    @Test("sizes accept bytes, k/KiB, m/MiB and stay within range")
    func sizes() throws {
        for (text, bytes) in [("16384", 16384), ("16KiB", 16384), ("16k", 16384), ("1MiB", 1_048_576), ("2K", 2048)] {
            let (configuration, _) = try load(withRequired("limits:\n  max_header_size: \(text)\n"))
            #expect(configuration.limits.maxHeaderSize == bytes, "\(text)")
        }
        #expect(diagnostics(withRequired("limits:\n  max_header_size: 16KB\n  max_connections: 0\n")) == [
            "s3edge.yaml:2: limits.max_header_size: \"16KB\" is not a size; write a number of bytes or a number "
                + "with a unit k/KiB, m/MiB or g/GiB (powers of 1024, e.g. \"16KiB\", \"1MiB\", \"16k\")",
            "s3edge.yaml:3: limits.max_connections: must be between 1 and 10000000, got 0",
        ])
        #expect(diagnostics(withRequired("limits:\n  max_header_size: 2g\n")) == [
            "s3edge.yaml:2: limits.max_header_size: must be between 1024 and 1048576 bytes, got \"2g\" (2147483648 bytes)"
        ])
    }

    @Test("durations accept ms, s, m, h, d, combinations and bare seconds; must be > 0")
    func durations() throws {
        #expect(parseMilliseconds("10s") == 10_000)
        #expect(parseMilliseconds("500ms") == 500)
        #expect(parseMilliseconds("2m") == 120_000)
        #expect(parseMilliseconds("1h") == 3_600_000)
        #expect(parseMilliseconds("1d") == 86_400_000)
        #expect(parseMilliseconds("1m30s") == 90_000)
        #expect(parseMilliseconds("45") == 45_000)
        for bad in ["", "s", "1.5s", "10 s", "-1s", "10x", "99999999999999999999s"] {
            #expect(parseMilliseconds(bad) == nil, "\(bad)")
        }
        #expect(diagnostics(withRequired("limits:\n  idle_timeout: 0s\n  drain_timeout: [1s]\n")) == [
            "s3edge.yaml:2: limits.idle_timeout: must be greater than 0, got \"0s\"",
            "s3edge.yaml:3: limits.drain_timeout: expected a duration such as \"10s\", \"500ms\" or \"2m\", got a list",
        ])
        let (configuration, _) = try load(withRequired("limits:\n  header_timeout: 500ms\n"))
        #expect(configuration.limits.headerTimeout == .milliseconds(500))
    }

    @Test("size parsing")
    func sizeParsing() {
        #expect(parseBytes("1GiB") == 1 << 30)
        #expect(parseBytes("0") == 0)
        #expect(parseBytes("512b") == 512)
        #expect(parseBytes("k") == nil)
        #expect(parseBytes("1.5MiB") == nil)
        #expect(parseBytes("99999999999999999999") == nil)
    }

    @Test("log level is case-insensitive and validated")
    func logLevel() throws {
        let (configuration, _) = try load(withRequired("log:\n  level: Warning\n"))
        #expect(configuration.log.level == .warning)
        #expect(diagnostics(withRequired("log:\n  level: verbose\n")) == [
            "s3edge.yaml:2: log.level: \"verbose\" is not supported; "
                + "use trace, debug, info, notice, warning, error or critical"
        ])
    }
}
