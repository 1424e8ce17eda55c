extension TLSSettings {
    /// Keys of the `tls:` section.
    static let keys = [
        "min_version", "security_policy", "ciphers", "ciphersuites", "certificates",
        "session_timeout", "handshake_timeout",
    ]

    static func decode(_ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics) -> TLSSettings? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var settings = TLSSettings(certificates: [], line: entry.keyLine, minVersionLine: entry.keyLine)
        if let value = reader["min_version"] {
            settings.minVersionLine = value.line
            settings.minVersion = value.choice(TLSProtocolVersion.self, &diagnostics) ?? settings.minVersion
        }
        if let value = reader["security_policy"] {
            settings.securityPolicy = value.choice(SecurityPolicyName.self, &diagnostics) ?? settings.securityPolicy
        }
        settings.ciphers = reader["ciphers"].flatMap { $0.string(expected: "an OpenSSL cipher list", &diagnostics) }
        settings.ciphersuites = reader["ciphersuites"].flatMap {
            $0.string(expected: "an OpenSSL TLS 1.3 ciphersuite list", &diagnostics)
        }
        settings.sessionTimeout = reader["session_timeout"]?.duration(&diagnostics) ?? settings.sessionTimeout
        settings.handshakeTimeout = reader["handshake_timeout"]?.duration(&diagnostics) ?? settings.handshakeTimeout
        let purpose = "list of PEM files, e.g. - cert: /etc/s3edge/tls/site.pem / key: /etc/s3edge/tls/site.key"
        if let list = reader.required("certificates", purpose, &diagnostics) {
            settings.certificates = certificates(list, baseDirectory: baseDirectory, &diagnostics)
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        settings.warnAboutIneffectiveSettings(reader, &diagnostics)
        return settings
    }

    private static func certificates(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> [CertificateSettings] {
        let expected = "a list of certificates, each with cert and key"
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return [] }
        if items.isEmpty {
            entry.problem("must list at least one certificate (cert and key PEM files)", &diagnostics)
        }
        return items.compactMap { item in
            guard let pair = MappingReader(item, known: ["cert", "key"], &diagnostics) else { return nil }
            let cert = pair.required("cert", "PEM file with the certificate and its chain", &diagnostics)
            let key = pair.required("key", "PEM file with the certificate's private key", &diagnostics)
            let certPath = cert?.filePath(baseDirectory: baseDirectory, &diagnostics)
            let keyPath = key?.filePath(baseDirectory: baseDirectory, &diagnostics)
            guard let cert, let key, let certPath, let keyPath else { return nil }
            return CertificateSettings(
                certificatePath: certPath, keyPath: keyPath, certificateLine: cert.line, keyLine: key.line)
        }
    }

    /// Settings that are valid but cannot have the effect the operator expects.
    private func warnAboutIneffectiveSettings(_ reader: MappingReader, _ diagnostics: inout Diagnostics) {
        guard securityPolicy.isTLS13Only else { return }
        if let minVersion = reader["min_version"], self.minVersion == .tls12 {
            let policyLine = reader["security_policy"]?.line ?? minVersion.line
            diagnostics.warning(
                policyLine,
                "tls.security_policy: \(securityPolicy.rawValue) allows TLS 1.3 only, so min_version "
                    + "\(self.minVersion.rawValue) (line \(minVersion.line)) has no effect; set min_version: "
                    + "TLSv1.3, or choose a TLSv1.2_* policy to accept TLS 1.2 clients")
        }
        if let ciphers = reader["ciphers"] {
            diagnostics.warning(
                ciphers.line,
                "tls.ciphers only applies to TLS 1.2, which security_policy \(securityPolicy.rawValue) "
                    + "does not allow; remove it, or use ciphersuites to choose TLS 1.3 ciphers")
        }
    }
}

extension ConfigEntry {
    /// A file path; relative paths are resolved against `baseDirectory`.
    func filePath(baseDirectory: String, _ diagnostics: inout Diagnostics) -> String? {
        guard let text = string(expected: "a file path", &diagnostics) else { return nil }
        if text.hasPrefix("~") {
            problem("\(quoted(text)): \"~\" is not expanded; write an absolute path", &diagnostics)
            return nil
        }
        return resolvePath(text, against: baseDirectory)
    }
}

/// `path` if absolute, else `base/path`, with "." and ".." segments removed.
func resolvePath(_ path: String, against base: String) -> String {
    let joined = path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
    let absolute = joined.hasPrefix("/")
    var segments: [Substring] = []
    for segment in joined.split(separator: "/") {
        switch segment {
        case ".": continue
        case "..":
            if let last = segments.last, last != ".." {
                segments.removeLast()
            } else if !absolute {
                segments.append(segment)  // a relative path may climb above its start
            }
        default: segments.append(segment)
        }
    }
    let body = segments.joined(separator: "/")
    return absolute ? "/" + body : (body.isEmpty ? "." : body)
}
