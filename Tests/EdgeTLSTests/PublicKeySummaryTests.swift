import EdgeTLS
import Foundation
import Testing

/// `PublicKeySummary` on keys made by the `openssl` command (as an operator would make them),
/// fresh in a temporary directory for each test.
@Suite struct PublicKeySummaryTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-pubkey-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Runs `openssl` with `arguments` in `directory`; fails the test if it fails.
    private func openssl(_ arguments: String...) throws {
        try openssl(arguments)
    }

    /// A private key `name.pem` from `openssl genpkey` with `options`, and its public key `name.pub.pem`.
    private func keyPair(_ name: String, _ options: String...) throws -> String {
        try openssl(["genpkey", "-out", "\(name).pem"] + options)
        try openssl("pkey", "-in", "\(name).pem", "-pubout", "-out", "\(name).pub.pem")
        return "\(directory)/\(name).pub.pem"
    }

    private func openssl(_ arguments: [String]) throws {
        // Through env, so the test finds openssl wherever the distribution installs it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
    }

    @Test func rsaKeysReportTheirModulusSize() throws {
        for bits in [1024, 2048, 3072] {
            let path = try keyPair("rsa\(bits)", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)")
            #expect(try PublicKeySummary.load(path: path) == PublicKeySummary(type: .rsa, bits: bits))
        }
    }

    @Test func ecKeysReportTheirCurve() throws {
        let p256 = try keyPair("p256", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        #expect(try PublicKeySummary.load(path: p256) == PublicKeySummary(type: .ec(curve: PublicKeySummary.p256), bits: 256))
        let p384 = try keyPair("p384", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384")
        #expect(try PublicKeySummary.load(path: p384) == PublicKeySummary(type: .ec(curve: "secp384r1"), bits: 384))
    }

    @Test func otherKeyTypesAreNamed() throws {
        let ed25519 = try keyPair("ed", "-algorithm", "ED25519")
        #expect(try PublicKeySummary.load(path: ed25519).type == .other("ED25519"))
        try openssl("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", "dsa-params.pem")
        try openssl("genpkey", "-paramfile", "dsa-params.pem", "-out", "dsa.pem")
        try openssl("pkey", "-in", "dsa.pem", "-pubout", "-out", "dsa.pub.pem")
        #expect(try PublicKeySummary.load(path: "\(directory)/dsa.pub.pem") == PublicKeySummary(type: .other("DSA"), bits: 1024))
    }

    @Test func filesThatHoldSomethingElseSayHowToGetThePublicKey() throws {
        _ = try keyPair("signer", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        let privateKey = "\(directory)/signer.pem"
        #expect(throws: TLSError(
            operation: "\(privateKey) holds a private key, and the edge needs only the public one: extract it with "
                + "`openssl pkey -in \(privateKey) -pubout -out signer.pub.pem` and keep the private key with the signer",
            reasons: [])) { try PublicKeySummary.load(path: privateKey) }

        try openssl("req", "-x509", "-key", "signer.pem", "-subj", "/CN=signer.test", "-days", "1", "-out", "cert.pem")
        let certificate = "\(directory)/cert.pem"
        #expect(throws: TLSError(
            operation: "\(certificate) holds a certificate; take its public key with "
                + "`openssl x509 -in \(certificate) -pubkey -noout`", reasons: [])) {
            try PublicKeySummary.load(path: certificate)
        }

        let text = "\(directory)/notes.txt"
        try "not a key\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: TLSError(
            operation: "\(text) holds no PEM public key (BEGIN PUBLIC KEY); give the public key of the signers' key pair",
            reasons: [])) { try PublicKeySummary.load(path: text) }
    }

    @Test func pkcs1RSAPublicKeysAreReadToo() throws {
        _ = try keyPair("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        try openssl("rsa", "-in", "rsa.pem", "-RSAPublicKey_out", "-out", "rsa.pkcs1.pem")
        #expect(try PublicKeySummary.load(path: "\(directory)/rsa.pkcs1.pem") == PublicKeySummary(type: .rsa, bits: 2048))
    }

    @Test func aMissingFileCarriesOpenSSLsReason() throws {
        let missing = "\(directory)/missing.pem"
        do {
            _ = try PublicKeySummary.load(path: missing)
            Issue.record("loaded a key from a file that does not exist")
        } catch {
            #expect(error.operation == "cannot open \(missing)")
            #expect(error.description.contains("No such file or directory"), "\(error.description)")
        }
    }
}
