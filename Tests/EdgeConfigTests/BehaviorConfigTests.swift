import Foundation
import Testing

@testable import EdgeConfig

@Suite("distributions[].behaviors and trusted_keys")
struct BehaviorConfigTests {
    /// The configuration file's directory: key files live here, relative paths resolve here.
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-behaviors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // EdgeConfig only checks that key files can be read; check-config judges their contents.
        for name in ["app-signer.pub.pem", "other.pub.pem"] {
            try "-----BEGIN PUBLIC KEY-----\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
    }

    /// `body` as the keys of the only distribution (E2EXAMPLE, cdn.example.com), from line 4.
    private func oneDistribution(_ body: String) -> String {
        withRequired("distributions:\n  - id: E2EXAMPLE\n    hostnames: [cdn.example.com]\n" + body)
    }

    /// What check-config prints for `yaml` loaded from `directory`.
    private func report(_ yaml: String) -> [String] {
        do {
            return try ConfigLoader.parse(yaml: yaml, file: "s3edge.yaml", baseDirectory: directory).warnings
                .map(\.description)
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    private func loaded(_ yaml: String) throws -> Distribution {
        let (configuration, warnings) = try ConfigLoader.parse(yaml: yaml, file: "s3edge.yaml", baseDirectory: directory)
        #expect(warnings.map(\.description) == [])
        return try #require(configuration.distributions.first)
    }

    @Test("the documented example: restricted invoices, longer-cached avatars, the rest the default")
    func documentedExample() throws {
        let distribution = try loaded(oneDistribution(
            """
                trusted_keys:
                  - id: K2JCJMDEHXQW5F
                    public_key: app-signer.pub.pem
                behaviors:
                  - path_pattern: "/invoices/*"
                    restrict_viewer_access: true
                  - path_pattern: "/avatars/*"
                    cache_policy: { default_ttl: 3600 }
            """))
        #expect(distribution.trustedKeys == [
            TrustedKeySettings(id: "K2JCJMDEHXQW5F", publicKeyPath: "\(directory)/app-signer.pub.pem", line: 5, publicKeyLine: 6)
        ])
        #expect(distribution.behaviors.map(\.pathPattern.normalized) == ["/invoices/*", "/avatars/*"])
        #expect(distribution.behaviors.map(\.line) == [8, 10])

        let invoice = distribution.behavior(forPath: "/invoices/2024/0042.pdf")
        #expect(invoice.restrictViewerAccess)
        #expect(invoice.pathPattern.normalized == "/invoices/*")
        #expect(invoice.cachePolicy == distribution.cachePolicy)

        let avatar = distribution.behavior(forPath: "/avatars/u1.png")
        #expect(!avatar.restrictViewerAccess)
        #expect(avatar.cachePolicy == CachePolicySettings(
            minTTL: .seconds(1), defaultTTL: .seconds(3600), maxTTL: .seconds(31_536_000), line: 11))

        let other = distribution.behavior(forPath: "/Invoices/2024/0042.pdf")
        #expect(other == distribution.defaultBehavior)
        #expect(other.pathPattern == .everything)
        #expect(!other.restrictViewerAccess)
        #expect(other.allowedMethods == .getHeadOptions)
        #expect(other.line == 2)
    }

    @Test("the first matching behavior wins, in the order written")
    func firstMatchWins() throws {
        let distribution = try loaded(oneDistribution(
            """
                behaviors:
                  - path_pattern: "/images/*.jpg"
                    max_object_size: 1MiB
                  - path_pattern: "/images/*"
                    max_object_size: 2MiB
                  - path_pattern: "*.jpg"
                    max_object_size: 3MiB
            """))
        #expect(distribution.behavior(forPath: "/images/a.jpg").maxObjectSize == 1 << 20)
        #expect(distribution.behavior(forPath: "/images/a.png").maxObjectSize == 2 << 20)
        #expect(distribution.behavior(forPath: "/photos/a.jpg").maxObjectSize == 3 << 20)
        #expect(distribution.behavior(forPath: "/photos/a.png").maxObjectSize == 1 << 30)
    }

    @Test("a behavior's cache_policy replaces the keys it writes and keeps the distribution's others")
    func cachePolicyMerge() throws {
        let distribution = try loaded(oneDistribution(
            """
                cache_policy:
                  min_ttl: 5
                  max_ttl: 1d
                  query_strings: [v]
                  headers: [accept-language]
                error_caching_min_ttl: 30
                behaviors:
                  - path_pattern: "/a/*"
                    cache_policy: { default_ttl: 60, cookies: [session] }
                  - path_pattern: "/b/*"
                    cache_policy: { query_strings: none, headers: none, max_ttl: 2d }
                    error_caching_min_ttl: 0
                  - path_pattern: "/c/*"
                    cache_policy: { min_ttl: 7200 }
            """))
        let base = distribution.cachePolicy
        #expect(base == CachePolicySettings(
            minTTL: .seconds(5), defaultTTL: .seconds(86400), maxTTL: .seconds(86400), queryStrings: .allowList(["v"]),
            headers: ["accept-language"], cookies: .none, line: 4))
        let a = distribution.behavior(forPath: "/a/x")
        #expect(a.cachePolicy == CachePolicySettings(
            minTTL: .seconds(5), defaultTTL: .seconds(60), maxTTL: .seconds(86400), queryStrings: .allowList(["v"]),
            headers: ["accept-language"], cookies: .allowList(["session"]), line: 12))
        #expect(a.errorCachingMinTTL == .seconds(30))
        let b = distribution.behavior(forPath: "/b/x")
        #expect(b.cachePolicy == CachePolicySettings(
            minTTL: .seconds(5), defaultTTL: .seconds(86400), maxTTL: .seconds(172_800), queryStrings: .none,
            headers: [], cookies: .none, line: 14))
        #expect(b.errorCachingMinTTL == .zero)
        // An omitted TTL rises to a written one below it, as in a distribution's policy.
        let c = distribution.behavior(forPath: "/c/x")
        #expect(c.cachePolicy.minTTL == .seconds(7200))
        #expect(c.cachePolicy.defaultTTL == .seconds(86400))
        let raised = try loaded(oneDistribution(
            "    cache_policy: { default_ttl: 60, max_ttl: 60 }\n    behaviors:\n"
                + "      - path_pattern: \"/c/*\"\n        cache_policy: { min_ttl: 120 }\n"))
        #expect(raised.behaviors[0].cachePolicy.defaultTTL == .seconds(120))
        #expect(raised.behaviors[0].cachePolicy.maxTTL == .seconds(120))
    }

    @Test("a TTL taken from the distribution is named as such when the order is broken")
    func inheritedTTLConflict() {
        #expect(report(oneDistribution(
            """
                cache_policy: { default_ttl: 3600 }
                behaviors:
                  - path_pattern: "/live/*"
                    cache_policy: { max_ttl: 60 }
            """)) == [
            "s3edge.yaml:7: distributions[0].behaviors[0].cache_policy.max_ttl: max_ttl (60) is less than default_ttl "
                + "(3600, from the distribution's cache_policy); TTLs must satisfy min_ttl ≤ default_ttl ≤ max_ttl"
        ])
    }

    @Test("restrict_viewer_access without trusted_keys names the fix, on the distribution or a behavior")
    func restrictionNeedsKeys() {
        let fix = "true requires signed URLs or signed cookies, but the distribution has no trusted_keys to verify "
            + "them with; add trusted_keys (the id and public_key of the key pair your application signs with) to "
            + "the distribution, or set restrict_viewer_access: false"
        #expect(report(oneDistribution(
            """
                restrict_viewer_access: true
                behaviors:
                  - path_pattern: "/public/*"
                    restrict_viewer_access: false
                  - path_pattern: "/invoices/*"
                    restrict_viewer_access: yes
            """)) == [
            "s3edge.yaml:4: distributions[0].restrict_viewer_access: \(fix)",
            "s3edge.yaml:9: distributions[0].behaviors[1].restrict_viewer_access: \(fix)",
        ])
    }

    @Test("behaviors inherit the distribution's restriction unless they lift it")
    func restrictionInheritance() throws {
        let distribution = try loaded(oneDistribution(
            """
                restrict_viewer_access: true
                trusted_keys: [{ id: K1, public_key: app-signer.pub.pem }]
                behaviors:
                  - path_pattern: "/public/*"
                    restrict_viewer_access: false
                  - path_pattern: "/thumbs/*"
                    max_object_size: 1MiB
            """))
        #expect(!distribution.behavior(forPath: "/public/logo.png").restrictViewerAccess)
        #expect(distribution.behavior(forPath: "/thumbs/a.png").restrictViewerAccess)
        #expect(distribution.behavior(forPath: "/invoices/a.pdf").restrictViewerAccess)
    }

    @Test("trusted keys that nothing asks for are a warning: every path stays public")
    func unusedKeys() {
        #expect(report(oneDistribution(
            """
                trusted_keys:
                  - id: K2JCJMDEHXQW5F
                    public_key: app-signer.pub.pem
                behaviors:
                  - path_pattern: "/invoices/*"
                    cache_policy: { default_ttl: 60 }
            """)) == [
            "s3edge.yaml:4: warning: distributions[0].trusted_keys: neither distribution E2EXAMPLE nor any of its "
                + "behaviors sets restrict_viewer_access: true, so signatures are never required and every path is "
                + "public; set restrict_viewer_access: true on the distribution or on the behaviors of private paths"
        ])
    }

    @Test("key ids are upper-case and unique within a distribution; the later one is reported")
    func keyIDs() {
        #expect(report(oneDistribution(
            """
                restrict_viewer_access: true
                trusted_keys:
                  - id: K2JCJMDEHXQW5F
                    public_key: app-signer.pub.pem
                  - id: APKAEIBAERJR2EXAMPLE
                    public_key: other.pub.pem
                  - id: K2JCJMDEHXQW5F
                    public_key: other.pub.pem
                  - id: k-lower
                    public_key: other.pub.pem
            """)) == [
            "s3edge.yaml:10: distributions[0].trusted_keys[2].id: \"K2JCJMDEHXQW5F\" is already used by the key at "
                + "line 6; key ids must be unique within a distribution",
            "s3edge.yaml:12: distributions[0].trusted_keys[3].id: \"k-lower\" is not a valid id; use only upper-case "
                + "letters and digits, like \"K2JCJMDEHXQW5F\"",
        ])
    }

    @Test("the same key id may serve two distributions")
    func sameKeyInTwoDistributions() throws {
        let yaml = withRequired(
            """
            distributions:
              - id: E1
                hostnames: [a.example.com]
                restrict_viewer_access: true
                trusted_keys: [{ id: K1, public_key: app-signer.pub.pem }]
              - id: E2
                hostnames: [b.example.com]
                restrict_viewer_access: true
                trusted_keys: [{ id: K1, public_key: \(directory)/app-signer.pub.pem }]
            """)
        let (configuration, warnings) = try ConfigLoader.parse(yaml: yaml, file: "s3edge.yaml", baseDirectory: directory)
        #expect(warnings.isEmpty)
        #expect(configuration.distributions.map { $0.trustedKeys.map(\.publicKeyPath) } == [
            ["\(directory)/app-signer.pub.pem"], ["\(directory)/app-signer.pub.pem"],
        ])
    }

    @Test("key files must be readable now; missing keys and an empty list are errors")
    func keyFiles() {
        #expect(report(oneDistribution(
            """
                restrict_viewer_access: true
                trusted_keys:
                  - id: K1
                    public_key: keys/missing.pem
                  - id: K2
                    public_key: .
                  - id: K3
                  - public_key: other.pub.pem
            """)) == [
            "s3edge.yaml:7: distributions[0].trusted_keys[0].public_key: cannot read \"\(directory)/keys/missing.pem\": "
                + "no such file",
            "s3edge.yaml:9: distributions[0].trusted_keys[1].public_key: \"\(directory)\" is a directory; give a PEM file",
            "s3edge.yaml:10: distributions[0].trusted_keys[2]: missing required key \"public_key\" (PEM file of the "
                + "signers' public key, e.g. /etc/s3edge/keys/app-signer.pub.pem)",
            "s3edge.yaml:11: distributions[0].trusted_keys[3]: missing required key \"id\" (the Key-Pair-Id signers "
                + "put in URLs, e.g. K2JCJMDEHXQW5F)",
        ])
        #expect(report(oneDistribution("    trusted_keys: []\n")) == [
            "s3edge.yaml:4: distributions[0].trusted_keys: must list at least one key (id and public_key), or remove "
                + "trusted_keys"
        ])
    }

    @Test("allowed_methods: CloudFront's two read-only sets; the set with writes is refused with the reason")
    func allowedMethods() throws {
        let distribution = try loaded(oneDistribution(
            """
                allowed_methods: [GET, HEAD]
                behaviors:
                  - path_pattern: "/cors/*"
                    allowed_methods: [options, head, get]
                  - path_pattern: "/plain/*"
                    max_object_size: 1MiB
            """))
        #expect(distribution.defaultBehavior.allowedMethods == .getHead)
        #expect(distribution.behavior(forPath: "/cors/a").allowedMethods == .getHeadOptions)
        #expect(distribution.behavior(forPath: "/plain/a").allowedMethods == .getHead)
        #expect(AllowedMethods.getHead.allows("GET") && !AllowedMethods.getHead.allows("OPTIONS"))
        #expect(AllowedMethods.getHeadOptions.allows("OPTIONS") && !AllowedMethods.getHeadOptions.allows("POST"))
        #expect(!AllowedMethods.getHeadOptions.allows("get"))

        #expect(report(oneDistribution("    allowed_methods: [GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE]\n")) == [
            "s3edge.yaml:4: distributions[0].allowed_methods: [GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE]: s3edge "
                + "only reads from S3 and never forwards PUT, POST, PATCH or DELETE, so CloudFront's "
                + "[GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE] is not supported; use [GET, HEAD] or [GET, HEAD, OPTIONS]"
        ])
        #expect(report(oneDistribution("    allowed_methods: [GET]\n")) == [
            "s3edge.yaml:4: distributions[0].allowed_methods: [GET] is not one of CloudFront's method sets; "
                + "use [GET, HEAD] or [GET, HEAD, OPTIONS]"
        ])
        #expect(report(oneDistribution("    allowed_methods: [GET, HEAD, TRACE, GET]\n")) == [
            "s3edge.yaml:4: distributions[0].allowed_methods[2]: \"TRACE\" is not a method CloudFront can allow; "
                + "use [GET, HEAD] or [GET, HEAD, OPTIONS]",
            "s3edge.yaml:4: distributions[0].allowed_methods[3]: \"GET\" is listed twice; remove one",
        ])
    }

    @Test("viewer_protocol_policy: a behavior's, else the distribution's, else the viewer section's")
    func protocolPolicy() throws {
        let yaml = withRequired(
            """
            viewer:
              protocol_policy: redirect-to-https
            distributions:
              - id: E1
                hostnames: [a.example.com]
                behaviors:
                  - path_pattern: "/secure/*"
                    viewer_protocol_policy: https-only
              - id: E2
                hostnames: [b.example.com]
                viewer_protocol_policy: allow-all
                behaviors:
                  - path_pattern: "/secure/*"
                    viewer_protocol_policy: HTTPS-ONLY
                  - path_pattern: "/other/*"
                    max_object_size: 1MiB
            """)
        let (configuration, _) = try ConfigLoader.parse(yaml: yaml, file: "s3edge.yaml", baseDirectory: directory)
        let viewer = configuration.viewer
        let (first, second) = (configuration.distributions[0], configuration.distributions[1])
        #expect(first.behavior(forPath: "/secure/a").protocolPolicy(viewer: viewer) == .httpsOnly)
        #expect(first.behavior(forPath: "/a").viewerProtocolPolicy == nil)
        #expect(first.behavior(forPath: "/a").protocolPolicy(viewer: viewer) == .redirectToHTTPS)
        #expect(second.behavior(forPath: "/secure/a").protocolPolicy(viewer: viewer) == .httpsOnly)
        #expect(second.behavior(forPath: "/other/a").protocolPolicy(viewer: viewer) == .allowAll)
        #expect(second.behavior(forPath: "/a").protocolPolicy(viewer: viewer) == .allowAll)
        #expect(report(oneDistribution("    behaviors:\n      - path_pattern: \"/*\"\n        viewer_protocol_policy: https\n")) == [
            "s3edge.yaml:6: distributions[0].behaviors[0].viewer_protocol_policy: \"https\" is not supported; "
                + "use redirect-to-https, https-only or allow-all"
        ])
    }

    @Test("a behavior that can never match is a warning at its pattern, naming the one that takes its paths")
    func shadowedBehaviors() {
        #expect(report(oneDistribution(
            """
                behaviors:
                  - path_pattern: "/images/*"
                    max_object_size: 1MiB
                  - path_pattern: "images/*"
                    max_object_size: 2MiB
                  - path_pattern: "/images/*.jpg"
                    max_object_size: 3MiB
                  - path_pattern: "/docs/*.pdf"
                    max_object_size: 3MiB
                  - path_pattern: "/docs/a.pdf"
                    max_object_size: 3MiB
                  - path_pattern: "/docs/a.txt"
                    max_object_size: 3MiB
            """)) == [
            "s3edge.yaml:7: warning: distributions[0].behaviors[1].path_pattern: \"/images/*\" is the same pattern as "
                + "the behavior at line 5 (a leading \"/\" is optional), so this behavior never matches; remove one of them",
            "s3edge.yaml:9: warning: distributions[0].behaviors[2].path_pattern: every path \"/images/*.jpg\" matches "
                + "is matched first by \"/images/*\" (the behavior at line 5), so this behavior never matches; move it "
                + "above that one",
            "s3edge.yaml:13: warning: distributions[0].behaviors[4].path_pattern: every path \"/docs/a.pdf\" matches "
                + "is matched first by \"/docs/*.pdf\" (the behavior at line 11), so this behavior never matches; move "
                + "it above that one",
        ])
        #expect(report(oneDistribution(
            "    behaviors:\n      - path_pattern: \"*\"\n        max_object_size: 1MiB\n"
                + "      - path_pattern: \"/a/*\"\n        max_object_size: 1MiB\n")) == [
            "s3edge.yaml:7: warning: distributions[0].behaviors[1].path_pattern: every path \"/a/*\" matches is matched "
                + "first by \"/*\" (the behavior at line 5), so this behavior never matches; move it above that one"
        ])
    }

    @Test("a behavior's own max_object_size above what the cache keeps is a warning at it")
    func behaviorObjectSizeOverCache() {
        #expect(report(withRequired(
            """
            cache:
              max_size: 1GiB
            distributions:
              - id: E1
                hostnames: [cdn.example.com]
                max_object_size: 1MiB
                behaviors:
                  - path_pattern: "/video/*"
                    max_object_size: 512MiB
                  - path_pattern: "/small/*"
                    error_caching_min_ttl: 0
            """)) == [
            "s3edge.yaml:9: warning: distributions: E1's behavior /video/* has max_object_size 536870912 bytes, more "
                + "than the cache keeps: a quarter of cache.max_size (1073741824 bytes), 268435456 bytes: objects between "
                + "the two sizes are fetched but never cached; lower max_object_size or raise cache.max_size"
        ])
    }

    @Test("path patterns CloudFront refuses, a missing one and unknown keys are errors")
    func badBehaviors() {
        let long = "/" + String(repeating: "a", count: 255)
        #expect(report(oneDistribution(
            """
                behaviors:
                  - path_pattern: "/a b/*"
                  - path_pattern: "\(long)"
                  - cache_policy: { default_ttl: 60 }
                  - path_pattern: "/x/*"
                    restrict_viewer_acces: true
                  - path_pattern: ""
                  - "/y/*"
            """)) == [
            "s3edge.yaml:5: distributions[0].behaviors[0].path_pattern: \"/a b/*\": a space at position 3 is not "
                + "allowed; path patterns may contain letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
            "s3edge.yaml:6: distributions[0].behaviors[1].path_pattern: \"\(long)\": it is 256 characters long; "
                + "CloudFront allows at most 255",
            "s3edge.yaml:7: distributions[0].behaviors[2]: missing required key \"path_pattern\" (which paths, "
                + "e.g. \"/images/*\")",
            "s3edge.yaml:9: unknown key \"restrict_viewer_acces\" in distributions[0].behaviors[3]; did you mean "
                + "\"restrict_viewer_access\"?",
            "s3edge.yaml:10: distributions[0].behaviors[4].path_pattern: must not be empty; write a path pattern such "
                + "as \"/images/*\" or remove the key",
            "s3edge.yaml:11: distributions[0].behaviors[5]: expected a mapping with keys path_pattern, cache_policy, "
                + "error_caching_min_ttl, max_object_size, viewer_protocol_policy, allowed_methods, "
                + "restrict_viewer_access, got the string \"/y/*\"",
        ])
    }

    @Test("a distribution without behaviors or keys is what it was: one default behavior, public")
    func noBehaviors() throws {
        let distribution = try loaded(oneDistribution(""))
        #expect(distribution.behaviors.isEmpty && distribution.trustedKeys.isEmpty)
        #expect(distribution.behavior(forPath: "/anything") == distribution.defaultBehavior)
        #expect(distribution.defaultBehavior == CacheBehavior(pathPattern: .everything, line: 2))
    }
}
