import EdgeServer
import EdgeTLS
import Foundation
import Testing

/// `check-config` on `trusted_keys`: each key file read with OpenSSL and judged, reported at
/// its `public_key:` line. Keys are made with the `openssl` command, as an operator would.
@Suite struct TrustedKeyCheckTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let generated = try SelfSignedCertificate.generate(names: ["a.test"])
        try generated.certificatePEM.write(toFile: "\(directory)/a.pem", atomically: true, encoding: .utf8)
        try generated.privateKeyPEM.write(toFile: "\(directory)/a.key", atomically: true, encoding: .utf8)
    }

    /// `name.pem` (private) and `name.pub.pem` from `openssl genpkey` with `options`.
    private func keyPair(_ name: String, _ options: String...) throws {
        for arguments in [["genpkey", "-out", "\(name).pem"] + options, ["pkey", "-in", "\(name).pem", "-pubout", "-out", "\(name).pub.pem"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
        }
    }

    /// Checks a configuration whose one distribution trusts `keys` (id, file) and restricts every path.
    private func check(_ keys: [(String, String)]) throws -> (ConfigurationCheck, String) {
        let items = keys.map { "      - id: \($0.0)\n        public_key: \($0.1)" }.joined(separator: "\n")
        let yaml = """
        listen:
          https: "127.0.0.1:8443"
        tls:
          certificates:
            - cert: a.pem
              key: a.key
        distributions:
          - id: E2EXAMPLE
            hostnames: [a.test]
            restrict_viewer_access: true
            trusted_keys:
        \(items)
        """
        let path = "\(directory)/s3edge.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return (ConfigurationCheck(path: path), path)
    }

    @Test func rsa2048AndP256KeysPass() throws {
        try keyPair("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        try keyPair("ec", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        let (result, _) = try check([("K2JCJMDEHXQW5F", "rsa.pub.pem"), ("K3ECDSA", "ec.pub.pem")])
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration?.distributions.first?.trustedKeys.map(\.id) == ["K2JCJMDEHXQW5F", "K3ECDSA"])
    }

    @Test func aShortRSAKeyIsAWarningNotAnError() throws {
        try keyPair("weak", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
        let (result, path) = try check([("K1WEAK", "weak.pub.pem")])
        #expect(result.configuration != nil)
        #expect(result.diagnostics.map(\.description) == [
            "\(path):13: warning: distribution E2EXAMPLE: trusted key K1WEAK (\(directory)/weak.pub.pem) is a 1024-bit "
                + "RSA key: too weak to trust, and CloudFront requires 2048 bits; create an RSA 2048 (openssl genpkey "
                + "-algorithm RSA -pkeyopt rsa_keygen_bits:2048) or ECDSA P-256 (openssl genpkey -algorithm EC -pkeyopt "
                + "ec_paramgen_curve:P-256) key pair and sign with it",
        ])
    }

    @Test func unusableKeysAreErrorsAtTheirLines() throws {
        try keyPair("p384", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384")
        try keyPair("ed", "-algorithm", "ED25519")
        let (result, path) = try check([("K1", "p384.pub.pem"), ("K2", "ed.pub.pem"), ("K3", "ed.pem")])
        #expect(result.configuration == nil)
        let create = "create an RSA 2048 (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048) or ECDSA P-256 "
            + "(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256) key pair and sign with it"
        #expect(result.errors.map(\.description) == [
            "\(path):13: distribution E2EXAMPLE: trusted key K1 (\(directory)/p384.pub.pem) is an ECDSA key on curve "
                + "secp384r1; CloudFront signatures use P-256 (prime256v1) only: \(create)",
            "\(path):15: distribution E2EXAMPLE: trusted key K2 (\(directory)/ed.pub.pem) is a key of type ED25519; CloudFront "
                + "signatures use RSA or ECDSA P-256 only: \(create)",
            "\(path):17: distribution E2EXAMPLE: trusted key K3 public_key: \(directory)/ed.pem holds a private key, and "
                + "the edge needs only the public one: extract it with `openssl pkey -in \(directory)/ed.pem -pubout -out "
                + "signer.pub.pem` and keep the private key with the signer",
        ])
    }
}
