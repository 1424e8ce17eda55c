import EdgeConfig
import EdgeTLS

/// Everything `check-config` and a reload verify, reported as `FILE:LINE: message` diagnostics:
/// the file's syntax and values, then each certificate and key with OpenSSL.
public struct ConfigurationCheck: Sendable {
    public var configuration: EdgeConfiguration?
    public var diagnostics: [ConfigDiagnostic]

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// Certificates expiring sooner than this get a warning, as renewals are usually due by then.
    static let expiryWarning = 14 * 86_400

    public init(path: String) {
        let loaded: (EdgeConfiguration, warnings: [ConfigDiagnostic])
        do {
            loaded = try ConfigLoader.load(path: path)
        } catch {
            configuration = nil
            diagnostics = error.diagnostics
            return
        }
        configuration = loaded.0
        diagnostics = loaded.warnings + Self.checkTLS(loaded.0, file: path) + Self.checkOriginCAs(loaded.0, file: path)
        if !errors.isEmpty { configuration = nil }
    }

    /// An origin's `ca_file` must hold certificates: an unusable file would fail every origin
    /// request at run time instead.
    static func checkOriginCAs(_ configuration: EdgeConfiguration, file: String) -> [ConfigDiagnostic] {
        configuration.distributions.compactMap { distribution in
            guard let origin = distribution.origin, let caFile = origin.caFile,
                  case .failure(let error) = CertificateBundle.count(atPath: caFile)
            else { return nil }
            return ConfigDiagnostic(
                file: file, line: origin.line, severity: .error,
                message: "distribution \(distribution.id): origin ca_file \(error): give a PEM file of CA certificates"
            )
        }
    }

    /// Builds a context per certificate so every broken one is reported, not only the first.
    static func checkTLS(_ configuration: EdgeConfiguration, file: String) -> [ConfigDiagnostic] {
        let tls = configuration.tls
        var found: [ConfigDiagnostic] = []
        func report(_ line: Int, _ severity: ConfigDiagnostic.Severity, _ message: String) {
            found.append(ConfigDiagnostic(file: file, line: line, severity: severity, message: message))
        }
        let base = TLSServerConfiguration(configuration)
        for (index, certificate) in tls.certificates.enumerated() {
            var single = base
            single.certificates = [base.certificates[index]]
            do {
                let context = try TLSContext(configuration: single)
                for summary in context.certificates {
                    let days = abs(summary.secondsUntilExpiry) / 86_400
                    if summary.isExpired {
                        report(certificate.certificateLine, .warning,
                               "certificate \(summary.certificatePath) (\(summary.subject)) expired \(days) days ago: browsers will refuse it; renew it")
                    } else if summary.secondsUntilExpiry < expiryWarning {
                        report(certificate.certificateLine, .warning,
                               "certificate \(summary.certificatePath) (\(summary.subject)) expires in \(days) days: renew it soon")
                    }
                }
            } catch {
                let line = switch error.subject {
                case .certificate: certificate.certificateLine
                case .key: certificate.keyLine
                case .cipherList, .cipherSuites, .context: tls.line
                }
                report(line, .error, error.message)
                if case .cipherList = error.subject { break }
                if case .cipherSuites = error.subject { break }
            }
        }
        return found
    }
}
