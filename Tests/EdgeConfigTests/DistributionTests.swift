import Testing

@testable import EdgeConfig

@Suite("distributions section and host lookup")
struct DistributionTests {
    private func distributions(_ body: String) -> String {
        withRequired("distributions:\n" + body)
    }

    @Test("distribution ids must be unique")
    func duplicateIDs() {
        let yaml = distributions(
            """
              - id: E1
                hostnames: [a.example.com]
              - id: E1
                hostnames: [b.example.com]
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:4: distributions[1].id: \"E1\" is already used by the distribution at line 2; ids must be unique"
        ])
    }

    @Test("ids are upper-case letters and digits")
    func badID() {
        #expect(diagnostics(distributions("  - id: e2-example\n    hostnames: [a.example.com]\n")) == [
            "s3edge.yaml:2: distributions[0].id: \"e2-example\" is not a valid id; "
                + "use only upper-case letters and digits, like \"E2EXAMPLE\""
        ])
    }

    @Test("a hostname may belong to one distribution only")
    func hostnameInTwoDistributions() {
        let yaml = distributions(
            """
              - id: E1
                hostnames: [a.example.com, b.example.com]
              - id: E2
                hostnames:
                  - c.example.com
                  - A.example.com
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:7: distributions[1].hostnames[1]: \"a.example.com\" is already served by distribution E1 "
                + "(line 3); a hostname may belong to one distribution only"
        ])
    }

    @Test(
        "invalid hostnames say why",
        arguments: [
            ("\"cdn example.com\"", "\"cdn example.com\" is not a valid hostname: label \"cdn example\" may contain only letters, digits and hyphens"),
            ("\"https://cdn.example.com\"", "\"https://cdn.example.com\" is not a hostname; write the name only, without scheme, port or path"),
            ("\"cdn.example.com:443\"", "\"cdn.example.com:443\" is not a hostname; write the name only, without scheme, port or path"),
            ("\"-cdn.example.com\"", "\"-cdn.example.com\" is not a valid hostname: label \"-cdn\" must not start or end with a hyphen"),
            ("\"cdn..example.com\"", "\"cdn..example.com\" is not a valid hostname: it has an empty label (\"..\" or a leading dot)"),
            ("\"*.com\"", "\"*.com\" is too broad; a wildcard needs at least two labels after \"*.\", as in \"*.example.com\""),
            ("\"cdn.*.example.com\"", "\"cdn.*.example.com\" is not a valid hostname; \"*\" must be the whole leftmost label, as in \"*.example.com\""),
            ("\"*cdn.example.com\"", "\"*cdn.example.com\" is not a valid hostname; \"*\" must be the whole leftmost label, as in \"*.example.com\""),
            ("\"192.0.2.1\"", "\"192.0.2.1\" looks like an IP address; write a DNS name"),
            ("\"\(String(repeating: "a", count: 64)).com\"", "\"\(String(repeating: "a", count: 64)).com\" is not a valid hostname: label \"\(String(repeating: "a", count: 64))\" is longer than 63 characters"),
        ])
    func invalidHostname(value: String, message: String) {
        #expect(diagnostics(distributions("  - id: E1\n    hostnames: [\(value)]\n")) == [
            "s3edge.yaml:3: distributions[0].hostnames[0]: \(message)"
        ])
    }

    @Test("missing and empty required keys are reported at the parent's line")
    func missingKeys() {
        #expect(diagnostics(distributions("  - hostnames: [a.example.com]\n  - id: E2\n    hostnames: []\n")) == [
            "s3edge.yaml:2: distributions[0]: missing required key \"id\" (upper-case letters and digits, e.g. E2EXAMPLE)",
            "s3edge.yaml:4: distributions[1].hostnames: must list at least one hostname, e.g. [cdn.example.com]",
        ])
        #expect(diagnostics(withRequired("distributions: []\n")) == [
            "s3edge.yaml:1: distributions: must list at least one distribution (id and hostnames)"
        ])
        #expect(diagnostics(withRequired("distributions:\n  id: E1\n")) == [
            "s3edge.yaml:1: distributions: expected a list of distributions, each with id and hostnames, got a mapping"
        ])
    }

    @Test("hostnames are lower-cased, a single name is accepted, a trailing dot dropped")
    func normalisation() throws {
        let (configuration, _) = try load(distributions("  - id: E1\n    hostnames: Cdn.Example.com.\n"))
        #expect(configuration.distributions == [Distribution(id: "E1", hostnames: ["cdn.example.com"], line: 2)])
    }

    @Test("host lookup: exact names, case-insensitive, before one-label wildcards")
    func lookup() {
        let configuration = EdgeConfiguration(
            listen: ListenConfiguration(https: [ListenAddress(host: "0.0.0.0", port: 443)]),
            tls: TLSSettings(certificates: [CertificateSettings(certificatePath: "/a.pem", keyPath: "/a.key")]),
            distributions: [
                Distribution(id: "WILD", hostnames: ["*.example.com"]),
                Distribution(id: "EXACT", hostnames: ["cdn.example.com", "example.org"]),
            ])
        #expect(configuration.distribution(forHost: "cdn.example.com")?.id == "EXACT")
        #expect(configuration.distribution(forHost: "CDN.Example.COM")?.id == "EXACT")
        #expect(configuration.distribution(forHost: "cdn.example.com.")?.id == "EXACT")
        #expect(configuration.distribution(forHost: "img.example.com")?.id == "WILD")
        #expect(configuration.distribution(forHost: "IMG.EXAMPLE.COM"[...])?.id == "WILD")
        #expect(configuration.distribution(forHost: "a.b.example.com") == nil)
        #expect(configuration.distribution(forHost: "example.com") == nil)
        #expect(configuration.distribution(forHost: ".example.com") == nil)
        #expect(configuration.distribution(forHost: "example.org")?.id == "EXACT")
        #expect(configuration.distribution(forHost: "other.org") == nil)
        #expect(configuration.distribution(forHost: "") == nil)
    }
}
