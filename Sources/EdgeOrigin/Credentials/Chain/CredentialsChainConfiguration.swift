/// What the default credentials chain may use. Built by the executable, which alone reads the
/// process environment (`CredentialsEnvironment.process()`).
public struct CredentialsChainConfiguration: Sendable {
    /// Keys from s3edge's configuration; tried first. The caller should log a warning: long-term
    /// keys in a file are the credentials most often leaked.
    public var explicitCredentials: SigV4Credentials?
    public var environment: CredentialsEnvironment
    /// Whether IMDSv1 (no session token) may be used when IMDS refuses or ignores the token
    /// request. Off by default: IMDSv1 is what SSRF attacks on EC2 exploit.
    public var allowsIMDSv1Fallback: Bool
    /// For IMDS and the container endpoint.
    public var metadataTimeouts: CredentialsHTTPTimeouts
    public var stsTimeouts: CredentialsHTTPTimeouts

    public init(
        explicitCredentials: SigV4Credentials? = nil,
        environment: CredentialsEnvironment,
        allowsIMDSv1Fallback: Bool = false,
        metadataTimeouts: CredentialsHTTPTimeouts = .metadata,
        stsTimeouts: CredentialsHTTPTimeouts = .sts
    ) {
        self.explicitCredentials = explicitCredentials
        self.environment = environment
        self.allowsIMDSv1Fallback = allowsIMDSv1Fallback
        self.metadataTimeouts = metadataTimeouts
        self.stsTimeouts = stsTimeouts
    }
}
