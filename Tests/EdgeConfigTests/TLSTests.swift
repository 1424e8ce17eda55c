import Testing

@testable import EdgeConfig

@Suite("tls section")
struct TLSTests {
    private func tls(_ body: String) -> String {
        withRequired("tls:\n" + body + "  certificates:\n    - cert: a.pem\n      key: a.key\n")
    }

    @Test("an unsupported min_version names the allowed versions")
    func badMinVersion() {
        #expect(diagnostics(tls("  min_version: TLSv1.1\n")) == [
            "s3edge.yaml:2: tls.min_version: \"TLSv1.1\" is not supported; use TLSv1.2 or TLSv1.3"
        ])
        #expect(diagnostics(tls("  min_version: 1.2\n")) == [
            "s3edge.yaml:2: tls.min_version: \"1.2\" is not supported; use TLSv1.2 or TLSv1.3"
        ])
    }

    @Test("a bad security_policy lists every preset")
    func badPolicy() {
        #expect(diagnostics(tls("  security_policy: TLSv1.2_2018\n")) == [
            "s3edge.yaml:2: tls.security_policy: \"TLSv1.2_2018\" is not supported; "
                + "use TLSv1.2_2021, TLSv1.2_2019 or TLSv1.3_2025"
        ])
    }

    @Test("min_version TLSv1.3 with a TLSv1.2 policy is fine: min_version wins")
    func stricterMinVersion() throws {
        let (configuration, warnings) = try load(tls("  min_version: TLSv1.3\n  security_policy: TLSv1.2_2021\n"))
        #expect(warnings.isEmpty)
        #expect(configuration.tls.effectiveMinVersion == .tls13)
    }

    @Test("min_version TLSv1.2 with the TLS 1.3-only policy is a warning")
    func policyOverridesMinVersion() throws {
        let (configuration, warnings) = try load(tls("  min_version: TLSv1.2\n  security_policy: TLSv1.3_2025\n"))
        #expect(warnings == [
            "s3edge.yaml:3: warning: tls.security_policy: TLSv1.3_2025 allows TLS 1.3 only, so min_version TLSv1.2 "
                + "(line 2) has no effect; set min_version: TLSv1.3, or choose a TLSv1.2_* policy to accept TLS 1.2 clients"
        ])
        #expect(configuration.tls.effectiveMinVersion == .tls13)
        let (_, noWarnings) = try load(tls("  security_policy: TLSv1.3_2025\n"))
        #expect(noWarnings.isEmpty, "a defaulted min_version is not the operator's choice")
    }

    @Test("TLS 1.2 ciphers with a TLS 1.3-only policy are a warning")
    func ineffectiveCiphers() throws {
        let (_, warnings) = try load(tls("  security_policy: TLSv1.3_2025\n  ciphers: \"ECDHE-RSA-AES128-GCM-SHA256\"\n"))
        #expect(warnings == [
            "s3edge.yaml:3: warning: tls.ciphers only applies to TLS 1.2, which security_policy TLSv1.3_2025 "
                + "does not allow; remove it, or use ciphersuites to choose TLS 1.3 ciphers"
        ])
    }

    @Test("missing certificates are reported at the tls line")
    func missingCertificates() {
        #expect(diagnostics(withRequired("tls:\n  min_version: TLSv1.2\n")) == [
            "s3edge.yaml:1: tls: missing required key \"certificates\" (list of PEM files, e.g. "
                + "- cert: /etc/s3edge/tls/site.pem / key: /etc/s3edge/tls/site.key)"
        ])
        #expect(diagnostics(withRequired("tls:\n  certificates: []\n")) == [
            "s3edge.yaml:2: tls.certificates: must list at least one certificate (cert and key PEM files)"
        ])
    }

    @Test("each certificate needs cert and key, reported at the item's line")
    func incompleteCertificate() {
        let yaml = withRequired(
            """
            tls:
              certificates:
                - cert: a.pem
                  key: a.key
                - cert: b.pem
                - key: ~/c.key
                  cert: ""
            """)
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:5: tls.certificates[1]: missing required key \"key\" (PEM file with the certificate's private key)",
            "s3edge.yaml:6: tls.certificates[2].key: \"~/c.key\": \"~\" is not expanded; write an absolute path",
            "s3edge.yaml:7: tls.certificates[2].cert: must not be empty; write a file path or remove the key",
        ])
    }

    @Test("certificates given as a single mapping is a type error")
    func certificatesNotAList() {
        #expect(diagnostics(withRequired("tls:\n  certificates:\n    cert: a.pem\n    key: a.key\n")) == [
            "s3edge.yaml:2: tls.certificates: expected a list of certificates, each with cert and key, got a mapping"
        ])
    }

    @Test("certificate lines are recorded for the TLS module's diagnostics")
    func certificateLines() throws {
        let (configuration, _) = try load(tls("  handshake_timeout: 5s\n"))
        let certificate = try #require(configuration.tls.certificates.first)
        #expect(certificate.certificatePath == "/etc/s3edge/a.pem")
        #expect(certificate.certificateLine == 4 && certificate.keyLine == 5)
        #expect(configuration.tls.line == 1 && configuration.tls.minVersionLine == 1)
    }

    @Test("tls durations are validated")
    func durations() {
        #expect(diagnostics(tls("  session_timeout: 0\n  handshake_timeout: soon\n")) == [
            "s3edge.yaml:2: tls.session_timeout: must be greater than 0, got \"0\"",
            "s3edge.yaml:3: tls.handshake_timeout: \"soon\" is not a duration; write a number with a unit "
                + "ms, s, m, h or d (e.g. \"10s\", \"500ms\", \"2m\") or a bare number of seconds",
        ])
    }
}
