import EdgeServer
import EdgeTLS
import Foundation
import Testing

/// `check-config`'s certificate checks, reported at the line of the offending `cert:`/`key:`.
@Suite struct ConfigurationCheckTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func writeCertificate(_ name: String, notBeforeOffset: Int = -3600, lifetime: Int = 90 * 86_400) throws {
        let generated = try SelfSignedCertificate.generate(names: ["\(name).test"], notBeforeOffset: notBeforeOffset, lifetime: lifetime)
        try generated.certificatePEM.write(to: directory.appendingPathComponent("\(name).pem"), atomically: true, encoding: .utf8)
        try generated.privateKeyPEM.write(to: directory.appendingPathComponent("\(name).key"), atomically: true, encoding: .utf8)
    }

    func check(certificates: [(String, String)]) throws -> (ConfigurationCheck, String) {
        let entries = certificates.map { "    - cert: \($0.0)\n      key: \($0.1)" }.joined(separator: "\n")
        let yaml = """
        listen:
          https: "127.0.0.1:8443"
        tls:
          certificates:
        \(entries)
        distributions:
          - id: E2EXAMPLE
            hostnames: [a.test]
        """
        let path = directory.appendingPathComponent("s3edge.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return (ConfigurationCheck(path: path), path)
    }

    @Test func validFilesPass() throws {
        try writeCertificate("a")
        let (result, _) = try check(certificates: [("a.pem", "a.key")])
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration != nil)
    }

    @Test func everyBrokenCertificateIsReportedAtItsLine() throws {
        try writeCertificate("a")
        try writeCertificate("b")
        let (result, path) = try check(certificates: [("a.pem", "b.key"), ("missing.pem", "a.key")])
        #expect(result.configuration == nil)
        #expect(result.errors.map(\.description) == [
            "\(path):6: key \(directory.path)/b.key does not match certificate \(directory.path)/a.pem: use the key the certificate was issued for",
            "\(path):7: cannot read certificate \(directory.path)/missing.pem: No such file or directory",
        ])
    }

    @Test func expiredCertificateIsAWarningNotAnError() throws {
        try writeCertificate("old", notBeforeOffset: -30 * 86_400, lifetime: 10 * 86_400)
        let (result, path) = try check(certificates: [("old.pem", "old.key")])
        #expect(result.configuration != nil)
        #expect(result.warnings.map(\.description) == [
            "\(path):5: warning: certificate \(directory.path)/old.pem (/CN=old.test) expired 20 days ago: browsers will refuse it; renew it",
        ])
    }

    func check(cachePath: String) throws -> ConfigurationCheck {
        try writeCertificate("a")
        let yaml = """
        listen:
          https: "127.0.0.1:8443"
        tls:
          certificates:
            - cert: a.pem
              key: a.key
        cache:
          path: \(cachePath)
        distributions:
          - id: E2EXAMPLE
            hostnames: [a.test]
        """
        let path = directory.appendingPathComponent("s3edge.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return ConfigurationCheck(path: path)
    }

    @Test func aCacheDirectoryThatExistsOrCanBeCreatedPasses() throws {
        #expect(try check(cachePath: "cache").diagnostics.isEmpty)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("existing"), withIntermediateDirectories: true)
        #expect(try check(cachePath: "existing").diagnostics.isEmpty)
    }

    @Test func aCachePathThatCannotBeADirectoryIsAnErrorAtItsLine() throws {
        try "x".write(to: directory.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let notDirectory = try check(cachePath: "file")
        #expect(notDirectory.configuration == nil)
        #expect(notDirectory.errors.map(\.description) == [
            "\(directory.path)/s3edge.yaml:8: cache.path \(directory.path)/file is not a directory: give a directory for the cache files",
        ])
        let missingParent = try check(cachePath: "no/such/dir")
        #expect(missingParent.errors.map(\.description) == [
            "\(directory.path)/s3edge.yaml:8: cache.path \(directory.path)/no/such/dir cannot be created: \(directory.path)/no/such "
                + "is not a directory; create it (under systemd, CacheDirectory=s3edge creates /var/cache/s3edge)",
        ])
    }
}
