import ArgumentParser
import EdgeConfig
import EdgeServer
import Glibc

/// Like `nginx -t`: validate the file, certificates and keys without starting anything.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file, its certificates and keys; print FILE:LINE: errors."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let check = ConfigurationCheck(path: options.config)
        for diagnostic in check.diagnostics { printError(diagnostic.description) }
        guard let configuration = check.configuration else {
            printError("\(options.config): configuration is invalid (\(check.errors.count) error\(check.errors.count == 1 ? "" : "s"))")
            throw ExitCode(1)
        }
        print("\(options.config): configuration ok: \(configuration.summary)"
            + (check.warnings.isEmpty ? "" : ", \(check.warnings.count) warning\(check.warnings.count == 1 ? "" : "s")"))
    }
}

func printError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

extension EdgeConfiguration {
    /// One line for `check-config` and the startup log.
    var summary: String {
        let https = listen.https.map(\.description).joined(separator: ",")
        let http = listen.http.isEmpty ? "off" : listen.http.map(\.description).joined(separator: ",")
        let count = distributions.count
        return "\(count) distribution\(count == 1 ? "" : "s"), \(tls.certificates.count) certificate"
            + "\(tls.certificates.count == 1 ? "" : "s"), https \(https), http \(http) (\(viewer.protocolPolicy.rawValue)), "
            + "\(tls.securityPolicy.rawValue), min \(tls.minVersion.rawValue)"
    }
}
