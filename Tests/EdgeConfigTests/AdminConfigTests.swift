import Foundation
import Testing

@testable import EdgeConfig

@Suite("admin, listen.admin and access_log")
struct AdminConfigTests {
    /// A file in a fresh temporary directory, removed by the caller's `defer`.
    private func file(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the admin listener defaults to 127.0.0.1:9180 and can be turned off")
    func listenDefault() throws {
        let (configuration, warnings) = try load(withRequired(""))
        #expect(configuration.listen.admin?.description == "127.0.0.1:9180")
        #expect(warnings.isEmpty)
        let (off, _) = try load(withRequired("listen:\n  https: \"0.0.0.0:443\"\n  admin: off\n"))
        #expect(off.listen.admin == nil)
        #expect(configuration.admin == AdminSettings())
        #expect(configuration.admin.hasNoCredentials)
    }

    @Test("tokens, access keys and TLS are read, with paths resolved")
    func fullSection() throws {
        let tokens = try file("tokens", "t\n")
        let secret = try file("secret", "s\n")
        let (configuration, warnings) = try load(withRequired("""
            admin:
              tls: true
              tokens_file: \(tokens)
              access_keys:
                - id: AKIAEXAMPLEADMIN01
                  secret_file: \(secret)
            """))
        #expect(warnings.isEmpty)
        #expect(configuration.admin == AdminSettings(
            tls: true, tokensFile: tokens, accessKeys: [AdminAccessKey(id: "AKIAEXAMPLEADMIN01", secretFile: secret)]))
        #expect(!configuration.admin.hasNoCredentials)
    }

    @Test("bad access keys are reported at their lines")
    func badKeys() throws {
        let secret = try file("secret", "s\n")
        #expect(diagnostics(withRequired("""
            admin:
              access_keys:
                - id: akia-lower
                  secret_file: \(secret)
                - id: AKIAEXAMPLEADMIN01
                  secret_file: /nonexistent/secret
                - id: AKIAEXAMPLEADMIN01
                  secret_file: \(secret)
                - id: AKIAEXAMPLEADMIN01
                  secret_file: \(secret)
            """)) == [
            "s3edge.yaml:3: admin.access_keys[0].id: \"akia-lower\" is not an access key id: use 16 to 128 upper-case "
                + "letters and digits, as AWS does (e.g. AKIAEXAMPLEADMIN01)",
            "s3edge.yaml:6: admin.access_keys[1].secret_file: cannot read \"/nonexistent/secret\": no such file",
            "s3edge.yaml:9: admin.access_keys: id \"AKIAEXAMPLEADMIN01\" is already listed at line 7; each access key id may appear once",
        ])
    }

    @Test("an unknown admin key gets a suggestion; a missing tokens file is an error")
    func unknownKey() {
        #expect(diagnostics(withRequired("admin:\n  token_file: /x\n")) == [
            "s3edge.yaml:2: unknown key \"token_file\" in admin; did you mean \"tokens_file\"?"
        ])
        #expect(diagnostics(withRequired("admin:\n  tokens_file: /nonexistent/tokens\n")) == [
            "s3edge.yaml:2: admin.tokens_file: cannot read \"/nonexistent/tokens\": no such file"
        ])
    }

    @Test("an admin listener off loopback without TLS is a warning")
    func clearTextWarning() throws {
        let (_, warnings) = try load(withRequired("listen:\n  https: \"0.0.0.0:443\"\n  admin: \"10.0.0.5:9180\"\n"))
        #expect(warnings == [
            "s3edge.yaml:3: warning: the admin API listens on 10.0.0.5:9180 without TLS: tokens and signed requests cross "
                + "the network in clear; set admin.tls: true or bind it to 127.0.0.1"
        ])
        let (_, none) = try load(withRequired("listen:\n  https: \"0.0.0.0:443\"\n  admin: \"10.0.0.5:9180\"\nadmin:\n  tls: true\n"))
        #expect(none.isEmpty)
    }

    @Test("access_log: off by default, stderr, a file, w3c or json")
    func accessLog() throws {
        #expect(try load(withRequired("")).0.accessLog == AccessLogSettings())
        let (stderr, _) = try load(withRequired("access_log:\n  path: stderr\n  format: json\n  log_cookies: true\n"))
        #expect(stderr.accessLog == AccessLogSettings(destination: .stderr, format: .json, logCookies: true))
        let (file, _) = try load(withRequired("access_log:\n  path: logs/access.log\n"))
        #expect(file.accessLog.destination == .file("/etc/s3edge/logs/access.log"))
        #expect(file.accessLog.format == .w3c)
        #expect(diagnostics(withRequired("access_log:\n  format: clf\n")).count == 1)
        #expect(diagnostics(withRequired("access_log:\n  format: clf\n"))[0].hasPrefix("s3edge.yaml:2: access_log.format:"))
    }
}
