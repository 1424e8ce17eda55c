/// Everything needed to build a server `TLSContext`. Plain values: file paths are read when the
/// context is built, off the event loops.
public struct TLSServerConfiguration: Sendable, Equatable {
    /// A certificate chain and its key, both PEM files.
    public struct CertificateFiles: Sendable, Equatable {
        public var certificatePath: String
        public var keyPath: String

        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    public var policy: TLSSecurityPolicy
    /// The operator's `min_version`; the effective minimum is the higher of this and the policy's.
    public var minimumVersion: TLSProtocol
    /// Overrides the policy's TLS 1.2 cipher list when set.
    public var cipherList: String?
    /// Overrides the policy's TLS 1.3 suites when set.
    public var cipherSuites: String?
    /// Chosen by SNI; the first is the default for unknown or absent server names.
    public var certificates: [CertificateFiles]
    /// ALPN identifiers in server preference order.
    public var applicationProtocols: [String]
    /// Lifetime of TLS 1.2 cached sessions and TLS 1.3 tickets, in seconds.
    public var sessionTimeoutSeconds: Int

    public init(
        policy: TLSSecurityPolicy = .tls12_2021,
        minimumVersion: TLSProtocol = .tls12,
        cipherList: String? = nil,
        cipherSuites: String? = nil,
        certificates: [CertificateFiles],
        applicationProtocols: [String] = ["h2", "http/1.1"],
        sessionTimeoutSeconds: Int = 300
    ) {
        self.policy = policy
        self.minimumVersion = minimumVersion
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
        self.certificates = certificates
        self.applicationProtocols = applicationProtocols
        self.sessionTimeoutSeconds = sessionTimeoutSeconds
    }

    /// The protocol floor actually enforced.
    public var effectiveMinimumVersion: TLSProtocol { max(policy.minimumVersion, minimumVersion) }
}
