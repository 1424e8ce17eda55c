import ArgumentParser
import EdgeTLS
import Foundation

/// Generates a self-signed certificate for local use and tests; production uses a real CA.
struct MakeCert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-cert",
        abstract: "Write a self-signed certificate and key (PEM) for local testing."
    )

    @Option(help: "Output certificate path.") var cert: String
    @Option(help: "Output key path (written mode 0600).") var key: String
    @Option(help: "Key type: ecdsa or rsa.") var type: String = "ecdsa"
    @Option(help: "Days of validity.") var days: Int = 90
    @Argument(help: "DNS names or IP addresses; the first is the CN.") var names: [String] = ["localhost", "127.0.0.1"]

    func run() throws {
        let keyType: SelfSignedCertificate.KeyType
        switch type {
        case "ecdsa": keyType = .ecdsaP256
        case "rsa": keyType = .rsa(bits: 2048)
        default: throw ValidationError("--type must be ecdsa or rsa, not \"\(type)\"")
        }
        let generated = try SelfSignedCertificate.generate(names: names, keyType: keyType, lifetime: days * 86_400)
        try Data(generated.certificatePEM.utf8).write(to: URL(fileURLWithPath: cert))
        let keyData = Data(generated.privateKeyPEM.utf8)
        guard FileManager.default.createFile(atPath: key, contents: keyData, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(key): check the directory exists and is writable")
        }
        print("wrote \(cert) and \(key) for \(names.joined(separator: ", ")), valid \(days) days")
    }
}
