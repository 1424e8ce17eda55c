import Testing

@testable import EdgeConfig

@Suite("YAML syntax, unknown keys and file-level problems")
struct SyntaxAndKeysTests {
    @Test("a YAML syntax error comes out as FILE:LINE")
    func syntaxError() {
        let yaml = """
            listen:
              https: "0.0.0.0:443"
             http: "0.0.0.0:80"
            """
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:3: YAML syntax error: did not find expected key (while parsing a block mapping at line 1)"
        ])
    }

    @Test("an unclosed quote is reported")
    func unclosedQuote() {
        #expect(diagnostics("listen:\n  https: \"0.0.0.0:443\n") == [
            "s3edge.yaml:3: YAML syntax error: found unexpected end of stream "
                + "(while scanning a quoted scalar at line 2)"
        ])
    }

    @Test("tabs used for indentation get a hint")
    func tabs() {
        #expect(diagnostics("listen:\n\thttps: \"0.0.0.0:443\"\n") == [
            "s3edge.yaml:2: YAML syntax error: found character that cannot start any token "
                + "(while scanning for the next token at line 2); YAML does not allow tabs for indentation, use spaces"
        ])
    }

    @Test("an unquoted IPv6 address gets a quoting hint")
    func unquotedIPv6() {
        #expect(diagnostics("listen:\n  https: [::]:443\n") == [
            "s3edge.yaml:2: YAML syntax error: did not find expected node content "
                + "(while parsing a flow node at line 2); quote IPv6 addresses, e.g. \"[::]:443\""
        ])
    }

    @Test("a second YAML document is reported where it starts")
    func secondDocument() {
        #expect(diagnostics(withRequired("log:\n  level: info\n---\nlog: {}\n")) == [
            "s3edge.yaml:3: a second YAML document starts here; s3edge reads one document per file, remove the \"---\""
        ])
    }

    @Test("errors in different sections are all reported, with warnings, in line order")
    func errorsAcrossSections() {
        let yaml = """
            distributions:
              - id: E1
                hostnames: [bad_name.example.com]
            tls:
              min_version: TLSv1.2
              security_policy: TLSv1.3_2025
              certificates: [{ cert: a.pem, key: a.key }]
            listen:
              https: "0.0.0.0:99999"
            """
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:3: distributions[0].hostnames[0]: \"bad_name.example.com\" is not a valid hostname: "
                + "label \"bad_name\" may contain only letters, digits and hyphens",
            "s3edge.yaml:6: warning: tls.security_policy: TLSv1.3_2025 allows TLS 1.3 only, so min_version TLSv1.2 "
                + "(line 5) has no effect; set min_version: TLSv1.3, or choose a TLSv1.2_* policy to accept TLS 1.2 clients",
            "s3edge.yaml:9: listen.https: \"0.0.0.0:99999\": port 99999 is out of range; use 1-65535",
        ])
    }

    @Test("ConfigLoadError prints one diagnostic per line and can list errors only")
    func loadErrorDescription() {
        let error = ConfigLoadError(diagnostics: [
            ConfigDiagnostic(file: "f.yaml", line: 3, severity: .error, message: "bad"),
            ConfigDiagnostic(file: "f.yaml", line: 4, severity: .warning, message: "odd"),
            ConfigDiagnostic(file: "f.yaml", line: 0, severity: .error, message: "unreadable"),
        ])
        #expect(error.description == "f.yaml:3: bad\nf.yaml:4: warning: odd\nf.yaml: unreadable")
        #expect(error.errors.map(\.line) == [3, 0])
    }

    @Test("a duplicate key is reported at its second occurrence")
    func duplicateKey() {
        let yaml = """
            listen:
              https: "0.0.0.0:443"
              # comment
              https: "0.0.0.0:8443"
            """
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:4: duplicate key \"https\"; it is already set at line 2, remove one of them"
        ])
    }

    @Test("an empty file, or one with only comments, is an error")
    func emptyFile() {
        let expected = [
            "s3edge.yaml:1: the configuration is empty; it needs at least listen, tls and distributions "
                + "(see s3edge.example.yaml)"
        ]
        #expect(diagnostics("") == expected)
        #expect(diagnostics("# nothing here\n\n") == expected)
        #expect(diagnostics("---\n") == expected)
    }

    @Test("a top level that is not a mapping is an error")
    func rootNotMapping() {
        #expect(diagnostics("- listen\n- tls\n") == [
            "s3edge.yaml:1: expected a mapping of sections (listen, tls, viewer, limits, log, cache, admin, access_log or distributions) "
                + "at top level, got a list"
        ])
    }

    @Test("an unknown key suggests the closest known key")
    func unknownKeySuggestion() {
        let yaml = withRequired(
            """
            tls:
              min_verison: TLSv1.2
              certificates:
                - cert: a.pem
                  key: a.key
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:2: unknown key \"min_verison\" in tls; did you mean \"min_version\"?"
        ])
    }

    @Test("an unknown key without a close match lists the allowed keys")
    func unknownKeyList() {
        let yaml = withRequired("log:\n  format: json\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:2: unknown key \"format\" in log; allowed keys: level"
        ])
    }

    @Test("unknown keys at every level are all reported in one run")
    func unknownKeysEverywhere() {
        let yaml = """
            listen:
              htps: "0.0.0.0:443"
              https: "0.0.0.0:443"
            tls:
              certificates:
                - cert: a.pem
                  key: a.key
                  chain: b.pem
            viewer:
              hsts: { max_age: 10, preloaded: true }
            cache:
              size: 10GiB
            distributions:
              - id: E1
                hostname: cdn.example.com
                hostnames: cdn.example.com
            Distributions: []
            """
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:2: unknown key \"htps\" in listen; did you mean \"https\"?",
            "s3edge.yaml:8: unknown key \"chain\" in tls.certificates[0]; allowed keys: cert, key",
            "s3edge.yaml:10: unknown key \"preloaded\" in viewer.hsts; did you mean \"preload\"?",
            "s3edge.yaml:12: unknown key \"size\" in cache; allowed keys: path, max_size, encryption",
            "s3edge.yaml:15: unknown key \"hostname\" in distributions[0]; did you mean \"hostnames\"?",
            "s3edge.yaml:17: unknown key \"Distributions\" at top level; did you mean \"distributions\"?",
        ])
    }

    @Test("missing required sections are reported at the top-level mapping")
    func missingSections() {
        #expect(diagnostics("# s3edge\nlog:\n  level: info\n") == [
            "s3edge.yaml:2: missing required key \"listen\" (where to accept connections, e.g. https: \"0.0.0.0:443\")",
            "s3edge.yaml:2: missing required key \"tls\" (certificates to serve HTTPS with)",
            "s3edge.yaml:2: missing required key \"distributions\" (which hostnames to serve)",
        ])
    }

    @Test("a section given as a scalar is a type error naming the section")
    func sectionWrongType() {
        #expect(diagnostics(withRequired("limits: 10\n")) == [
            "s3edge.yaml:1: limits: expected a mapping with keys max_header_size, header_timeout, idle_timeout, "
                + "max_connections, http2_max_concurrent_streams, drain_timeout, got the number 10"
        ])
    }

    @Test("did-you-mean uses edit distance 2 at most, counting swaps as one edit")
    func editDistances() {
        #expect(editDistance("min_verison", "min_version") == 1)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(closestKey(to: "MIN_VERSION", in: TLSSettings.keys) == "min_version")
        #expect(closestKey(to: "certs", in: TLSSettings.keys) == nil)
        #expect(closestKey(to: "idle_timout", in: LimitSettings.keys) == "idle_timeout")
    }
}
