import EdgeConfig
import EdgeTLS
import Glibc

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
            + Self.checkCacheDirectory(loaded.0.cache, file: path) + Self.checkCacheEncryption(loaded.0.cache, file: path)
            + Self.checkAdminTokens(loaded.0.admin)
            + Self.checkAccessLog(loaded.0.accessLog, file: path) + Self.checkTrustedKeys(loaded.0, file: path)
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

    /// `cache.path` must be a directory, or creatable (its parent exists). Not being able to
    /// write it is only a warning: `check-config` may run as another user than the service
    /// (root checking a file for the unit's dynamic user), and systemd creates the default.
    static func checkCacheDirectory(_ cache: CacheSettings, file: String) -> [ConfigDiagnostic] {
        func report(_ severity: ConfigDiagnostic.Severity, _ message: String) -> [ConfigDiagnostic] {
            [ConfigDiagnostic(file: file, line: cache.line, severity: severity, message: "cache.path \(cache.path) \(message)")]
        }
        var info = stat()
        var target = cache.path
        if stat(cache.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                return report(.error, "is not a directory: give a directory for the cache files")
            }
        } else {
            let parent = cache.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            target = parent.isEmpty ? "/" : parent
            guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                return report(.error, "cannot be created: \(target) is not a directory; create it "
                    + "(under systemd, CacheDirectory=s3edge creates /var/cache/s3edge)")
            }
        }
        guard access(target, W_OK | X_OK) == 0 else {
            return report(.warning, "is not writable for this user (uid \(getuid())): the service's user must be able to "
                + "write \(target); fine if it runs as another user")
        }
        return []
    }

    /// `cache.encryption`: a written `mode: none` is a warning (an absent section is not, yet: the
    /// default stays clear text until the example configuration moves to kms); a key file must
    /// load (`CacheKeyFile`: size, owner, permissions). KMS is not called here: check-config makes
    /// no network requests, and may run without the service's credentials.
    static func checkCacheEncryption(_ cache: CacheSettings, file: String) -> [ConfigDiagnostic] {
        switch cache.encryption {
        case .none where cache.encryptionLine > 0:
            return [ConfigDiagnostic(file: file, line: cache.encryptionLine, severity: .warning,
                message: "cached content is stored in clear on disk: set cache.encryption.mode kms or key_file")]
        case .none, .kms:
            return []
        case .keyFile(let path, let line):
            do {
                _ = try CacheKeyFile.load(path: path)
                return []
            } catch {
                // systemd creates /run/credentials/UNIT/ only while the unit runs.
                if case .cannotOpen(let code) = error.problem, code == ENOENT, path.hasPrefix("/run/credentials/") {
                    return [ConfigDiagnostic(file: file, line: line, severity: .warning,
                        message: "cache.encryption.key_file \(path) does not exist now; fine if systemd passes it with "
                            + "LoadCredential= when the service starts (it is checked then)")]
                }
                return [ConfigDiagnostic(file: file, line: line, severity: .error, message: error.description)]
            }
        }
    }

    /// The tokens file's own lines: too short, spaces, none at all, readable by others.
    static func checkAdminTokens(_ admin: AdminSettings) -> [ConfigDiagnostic] {
        guard let path = admin.tokensFile else { return [] }
        do {
            return try AdminTokens.load(path: path).warnings
        } catch {
            return error.diagnostics
        }
    }

    /// The access log's directory must exist; not being able to write it is a warning (as for
    /// the cache: check-config may run as another user than the service).
    static func checkAccessLog(_ settings: AccessLogSettings, file: String) -> [ConfigDiagnostic] {
        guard case .file(let path) = settings.destination else { return [] }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let directory = parent.isEmpty ? "/" : parent
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            return [ConfigDiagnostic(file: file, line: settings.line, severity: .error,
                message: "access_log.path \(path): \(directory) is not a directory; create it "
                    + "(under systemd, LogsDirectory=s3edge creates /var/log/s3edge)")]
        }
        guard access(directory, W_OK | X_OK) == 0 || access(path, W_OK) == 0 else {
            return [ConfigDiagnostic(file: file, line: settings.line, severity: .warning,
                message: "access_log.path \(path) is not writable for this user (uid \(getuid())); fine if the service runs as another user")]
        }
        return []
    }

    /// Each trusted key must be a public key CloudFront-style signatures can use: RSA (under
    /// 2048 bits only a warning, as CloudFront refuses such keys but they still verify) or ECDSA
    /// P-256. Reported at the key's `public_key` line.
    static func checkTrustedKeys(_ configuration: EdgeConfiguration, file: String) -> [ConfigDiagnostic] {
        configuration.distributions.flatMap { distribution in
            distribution.trustedKeys.compactMap { key -> ConfigDiagnostic? in
                let subject = "distribution \(distribution.id): trusted key \(key.id)"
                let create = "create an RSA 2048 (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048) or "
                    + "ECDSA P-256 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256) key pair and sign with it"
                func report(_ severity: ConfigDiagnostic.Severity, _ message: String) -> ConfigDiagnostic {
                    ConfigDiagnostic(file: file, line: key.publicKeyLine, severity: severity, message: "\(subject) \(message)")
                }
                let summary: PublicKeySummary
                do {
                    summary = try PublicKeySummary.load(path: key.publicKeyPath)
                } catch {
                    return report(.error, "public_key: \(error)")
                }
                switch summary.type {
                case .rsa where summary.bits < 2048:
                    return report(.warning, "(\(key.publicKeyPath)) is a \(summary.bits)-bit RSA key: too weak to trust, "
                        + "and CloudFront requires 2048 bits; \(create)")
                case .rsa:
                    return nil
                case .ec(let curve) where curve == PublicKeySummary.p256:
                    return nil
                case .ec(let curve):
                    return report(.error, "(\(key.publicKeyPath)) is an ECDSA key on curve \(curve); CloudFront signatures "
                        + "use P-256 (prime256v1) only: \(create)")
                case .other(let name):
                    return report(.error, "(\(key.publicKeyPath)) is a key of type \(name); CloudFront signatures use RSA or "
                        + "ECDSA P-256 only: \(create)")
                }
            }
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
