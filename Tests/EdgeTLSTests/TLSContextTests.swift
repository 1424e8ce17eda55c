import EdgeTLS
import Foundation
import Testing

@Suite struct TLSContextTests {
    let certs: GeneratedCertificates

    init() throws {
        certs = try GeneratedCertificates()
    }

    @Test func keyThatDoesNotMatchItsCertificateIsRefusedNamingBothFiles() throws {
        let a = try certs.write("a", names: ["a.test"])
        let b = try certs.write("b", names: ["b.test"])
        let mixed = TLSServerConfiguration.CertificateFiles(certificatePath: a.certificatePath, keyPath: b.keyPath)
        let error = #expect(throws: TLSConfigurationError.self) {
            try TLSContext(configuration: .init(certificates: [a, mixed]))
        }
        #expect(error?.subject == .key(index: 1))
        #expect(error?.message.contains("does not match certificate \(a.certificatePath)") == true)
    }

    @Test func unreadableFilesAreReportedWithTheSystemReason() throws {
        let missing = TLSServerConfiguration.CertificateFiles(certificatePath: "/nonexistent/c.pem", keyPath: "/nonexistent/k.pem")
        let error = #expect(throws: TLSConfigurationError.self) {
            try TLSContext(configuration: .init(certificates: [missing]))
        }
        #expect(error?.subject == .certificate(index: 0))
        #expect(error?.message == "cannot read certificate /nonexistent/c.pem: No such file or directory")
    }

    @Test func garbageCertificateIsRefusedWithOpenSSLReason() throws {
        let good = try certs.write("g", names: ["g.test"])
        let path = certs.directory.appendingPathComponent("garbage.pem").path
        try "not a certificate".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: TLSConfigurationError.self) {
            try TLSContext(configuration: .init(certificates: [.init(certificatePath: path, keyPath: good.keyPath)]))
        }
        #expect(error?.subject == .certificate(index: 0))
        #expect(error?.message.contains("cannot load certificate \(path)") == true)
    }

    @Test func unknownCipherStringIsRefused() throws {
        let good = try certs.write("c", names: ["c.test"])
        let error = #expect(throws: TLSConfigurationError.self) {
            try TLSContext(configuration: .init(cipherList: "NOT-A-CIPHER", certificates: [good]))
        }
        #expect(error?.subject == .cipherList)
    }

    @Test func expiredCertificateLoadsButReportsItsAge() throws {
        let expired = try certs.write("old", names: ["old.test"], notBeforeOffset: -10 * 86_400, lifetime: 5 * 86_400)
        let context = try TLSContext(configuration: .init(certificates: [expired]))
        #expect(context.certificates[0].isExpired)
        #expect(context.certificates[0].secondsUntilExpiry / 86_400 == -5)
        #expect(context.certificates[0].subject == "/CN=old.test")
    }

    @Test func effectiveMinimumIsTheHigherOfPolicyAndSetting() {
        #expect(TLSServerConfiguration(policy: .tls13_2025, minimumVersion: .tls12, certificates: []).effectiveMinimumVersion == .tls13)
        #expect(TLSServerConfiguration(policy: .tls12_2021, minimumVersion: .tls13, certificates: []).effectiveMinimumVersion == .tls13)
        #expect(TLSServerConfiguration(policy: .tls12_2021, minimumVersion: .tls12, certificates: []).effectiveMinimumVersion == .tls12)
    }
}

@Suite struct CertificateBundleTests {
    @Test func countsCertificatesAndRefusesFilesWithoutAny() throws {
        let certs = try GeneratedCertificates()
        let a = try certs.write("a", names: ["a.test"])
        let b = try certs.write("b", names: ["b.test"])
        let bundle = certs.directory.appendingPathComponent("bundle.pem").path
        let joined = try String(contentsOfFile: a.certificatePath, encoding: .utf8) + String(contentsOfFile: b.certificatePath, encoding: .utf8)
        try joined.write(toFile: bundle, atomically: true, encoding: .utf8)
        #expect(try CertificateBundle.count(atPath: bundle).get() == 2)

        let garbage = certs.directory.appendingPathComponent("garbage.pem").path
        try "garbage\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        guard case .failure(let error) = CertificateBundle.count(atPath: garbage) else {
            Issue.record("a file without certificates must be refused")
            return
        }
        #expect(error.description == "\(garbage) holds no PEM certificate (BEGIN CERTIFICATE)")
        // A private key is not a certificate either.
        if case .success = CertificateBundle.count(atPath: a.keyPath) { Issue.record("a key is not a CA bundle") }
    }
}
