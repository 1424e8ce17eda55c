import Testing

@testable import EdgeConfig

@Suite("listen section")
struct ListenTests {
    @Test("listen.https of the wrong type names what is expected")
    func wrongType() {
        let yaml = withRequired("listen:\n  https:\n    host: 0.0.0.0\n    port: 443\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:2: listen.https: expected \"host:port\" or a list of them, got a mapping"
        ])
    }

    @Test("a missing listen.https is reported at the listen line")
    func missingHTTPS() {
        #expect(diagnostics(withRequired("listen:\n  http: \"0.0.0.0:80\"\n")) == [
            "s3edge.yaml:1: listen: missing required key \"https\" (address to accept HTTPS on, e.g. \"0.0.0.0:443\")"
        ])
        #expect(diagnostics(withRequired("listen:\n  https: []\n")) == [
            "s3edge.yaml:2: listen.https: must list at least one address, e.g. \"0.0.0.0:443\""
        ])
    }

    @Test(
        "bad host:port values say what is wrong and how to write it",
        arguments: [
            ("\"0.0.0.0:0\"", "\"0.0.0.0:0\": port 0 is out of range; use 1-65535"),
            ("\"0.0.0.0:70000\"", "\"0.0.0.0:70000\": port 70000 is out of range; use 1-65535"),
            ("\"0.0.0.0:https\"", "\"0.0.0.0:https\" has an invalid port \"https\"; use a number from 1 to 65535"),
            ("\"0.0.0.0:\"", "\"0.0.0.0:\" has an invalid port \"\"; use a number from 1 to 65535"),
            ("0.0.0.0", "\"0.0.0.0\" has no port; write host:port, e.g. \"0.0.0.0:443\""),
            ("443", "\"443\" has no host; write \"0.0.0.0:443\" for every IPv4 address or \"[::]:443\" for every IPv6 address"),
            ("\":443\"", "\":443\" has no host; write \"0.0.0.0:443\" for every IPv4 address or \"[::]:443\" for every IPv6 address"),
            ("\"::1:443\"", "\"::1:443\": write IPv6 addresses in brackets, e.g. \"[::1]:443\""),
            ("\"[::1]\"", "\"[::1]\" has no port; write host:port, e.g. \"[::1]:443\""),
            ("\"[::g]:443\"", "\"[::g]:443\": \"::g\" is not a valid IPv6 address"),
            ("\"[::1:443\"", "\"[::1:443\" has no closing \"]\"; write IPv6 addresses as \"[::1]:443\""),
            ("\"256.1.1.1:443\"", "\"256.1.1.1:443\": \"256.1.1.1\" is not a valid IPv4 address"),
            ("\"010.0.0.1:443\"", "\"010.0.0.1:443\": \"010.0.0.1\" is not a valid IPv4 address"),
            ("\"my_host:443\"", "\"my_host:443\": \"my_host\" is not a valid hostname: label \"my_host\" may contain only letters, digits and hyphens"),
        ])
    func badAddress(value: String, message: String) {
        #expect(diagnostics(withRequired("listen:\n  https: \(value)\n")) == ["s3edge.yaml:2: listen.https: \(message)"])
    }

    @Test("hosts are normalised: IPv6 canonical, names lower-cased")
    func normalisation() throws {
        let (configuration, _) = try load(withRequired("listen:\n  https: [\"[0:0::0]:443\", \"LocalHost:8443\"]\n"))
        #expect(configuration.listen.https.map(\.description) == ["[::]:443", "localhost:8443"])
        #expect(configuration.listen.https[0].isWildcard)
    }

    @Test("the same address twice is reported at the second occurrence, naming the first")
    func duplicateAcrossRoles() {
        let yaml = withRequired(
            """
            listen:
              https: "0.0.0.0:443"
              http:
                - "0.0.0.0:80"
                - "0.0.0.0:443"
              admin: "0.0.0.0:80"
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:5: listen.http[1]: \"0.0.0.0:443\" is already listed in listen.https at line 2; "
                + "an address can be bound only once, remove one of them",
            "s3edge.yaml:6: listen.admin: \"0.0.0.0:80\" is already listed in listen.http at line 4; "
                + "an address can be bound only once, remove one of them",
        ])
    }

    @Test("a wildcard and a specific address on the same port conflict")
    func wildcardOverlap() {
        let yaml = withRequired(
            """
            listen:
              https: ["127.0.0.1:443", "[::1]:443"]
              http: "0.0.0.0:443"
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:3: listen.http: \"0.0.0.0:443\" conflicts with \"127.0.0.1:443\" in listen.https at line 2: "
                + "a wildcard address and a specific one on the same port cannot both be bound; "
                + "use another port or keep one"
        ])
    }

    @Test("0.0.0.0 and [::] on the same port coexist, like nginx's ipv6only=on")
    func dualStack() throws {
        let (configuration, _) = try load(withRequired("listen:\n  https: [\"0.0.0.0:443\", \"[::]:443\"]\n"))
        #expect(configuration.listen.https.count == 2)
        #expect(!ListenConfiguration.overlapAtBind("0.0.0.0", "::"))
        #expect(ListenConfiguration.overlapAtBind("::", "::1"))
        #expect(ListenConfiguration.overlapAtBind("0.0.0.0", "localhost"))
        #expect(ListenConfiguration.overlapAtBind("localhost", "127.0.0.1"))
        #expect(!ListenConfiguration.overlapAtBind("127.0.0.1", "127.0.0.2"))
        #expect(!ListenConfiguration.overlapAtBind("0.0.0.0", "::1"))
    }

    @Test("admin takes one address, not a list")
    func adminList() {
        #expect(diagnostics(withRequired("listen:\n  https: \"0.0.0.0:443\"\n  admin: [\"127.0.0.1:9180\"]\n")) == [
            "s3edge.yaml:3: listen.admin: expected \"host:port\", got a list"
        ])
    }

    @Test("ListenAddress equality and hashing ignore the line")
    func equalityIgnoresLine() {
        let a = ListenAddress(host: "0.0.0.0", port: 443, line: 2)
        let b = ListenAddress(host: "0.0.0.0", port: 443, line: 9)
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(ListenAddress(host: "::", port: 80).description == "[::]:80")
    }
}
