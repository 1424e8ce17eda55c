/// Lowest TLS protocol version accepted from viewers.
public enum TLSProtocolVersion: String, Sendable, Equatable, CaseIterable {
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"
}

/// Cipher presets named like CloudFront's viewer security policies, so an
/// operator can carry a distribution's policy over unchanged.
public enum SecurityPolicyName: String, Sendable, Equatable, CaseIterable {
    /// TLS 1.2+ with ECDHE + AEAD ciphers only: CloudFront's recommended policy.
    case tls12_2021 = "TLSv1.2_2021"
    /// TLS 1.2+ also allowing the CBC/SHA-2 ciphers older clients need.
    case tls12_2019 = "TLSv1.2_2019"
    /// TLS 1.3 only.
    case tls13_2025 = "TLSv1.3_2025"

    /// Whether the preset allows TLS 1.3 and nothing older.
    public var isTLS13Only: Bool {
        self == .tls13_2025
    }
}

/// One certificate/key pair under `tls.certificates`. Which one a connection
/// gets is chosen by SNI from the certificate's names; the files themselves are
/// checked (readable, key matches, expiry) when TLS is set up, at these lines.
public struct CertificateSettings: Sendable, Equatable {
    /// YAML key `cert`: PEM file with the leaf certificate followed by its chain.
    /// Relative paths are resolved against the config file's directory, so a
    /// config and its certificates can move together.
    public var certificatePath: String
    /// YAML key `key`: PEM private key matching the certificate.
    public var keyPath: String
    /// Line of the `cert:` value, for diagnostics about the file.
    public var certificateLine: Int
    /// Line of the `key:` value, for diagnostics about the file.
    public var keyLine: Int

    public init(certificatePath: String, keyPath: String, certificateLine: Int = 0, keyLine: Int = 0) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.certificateLine = certificateLine
        self.keyLine = keyLine
    }
}

/// Section `tls:`: how viewers' HTTPS connections are terminated.
public struct TLSSettings: Sendable, Equatable {
    /// Default TLSv1.2: every supported browser speaks it, and older versions
    /// are deprecated (RFC 8996). When stricter than the policy, this wins.
    public var minVersion: TLSProtocolVersion
    /// Default TLSv1.2_2021, CloudFront's recommended preset.
    public var securityPolicy: SecurityPolicyName
    /// OpenSSL cipher list for TLS 1.2 and older, replacing the preset's
    /// (nil = use the preset). Passed to OpenSSL as is, checked there.
    public var ciphers: String?
    /// OpenSSL TLS 1.3 ciphersuites, replacing the preset's (nil = preset).
    public var ciphersuites: String?
    /// At least one; the first is served when SNI matches none (or is absent).
    public var certificates: [CertificateSettings]
    /// Key `session_timeout`, default 300s (OpenSSL's default): how long a
    /// session can be resumed without a full handshake.
    public var sessionTimeout: Duration
    /// Key `handshake_timeout`, default 10s: long enough for slow mobile links,
    /// short enough that half-open handshakes cannot pile up.
    public var handshakeTimeout: Duration
    /// Line of the `tls:` key, for diagnostics about the section as a whole.
    public var line: Int
    /// Line of the `min_version` value (the `tls:` line when it is defaulted).
    public var minVersionLine: Int

    public init(
        minVersion: TLSProtocolVersion = .tls12,
        securityPolicy: SecurityPolicyName = .tls12_2021,
        ciphers: String? = nil,
        ciphersuites: String? = nil,
        certificates: [CertificateSettings],
        sessionTimeout: Duration = .seconds(300),
        handshakeTimeout: Duration = .seconds(10),
        line: Int = 0,
        minVersionLine: Int = 0
    ) {
        self.minVersion = minVersion
        self.securityPolicy = securityPolicy
        self.ciphers = ciphers
        self.ciphersuites = ciphersuites
        self.certificates = certificates
        self.sessionTimeout = sessionTimeout
        self.handshakeTimeout = handshakeTimeout
        self.line = line
        self.minVersionLine = minVersionLine
    }

    /// The version actually enforced: TLS 1.3 when either `min_version` or the
    /// security policy says so.
    public var effectiveMinVersion: TLSProtocolVersion {
        securityPolicy.isTLS13Only ? .tls13 : minVersion
    }
}
