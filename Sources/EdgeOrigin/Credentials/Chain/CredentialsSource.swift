/// Where a provider's credentials came from, for the startup log ("credentials from environment")
/// and for errors. Never holds a secret.
public enum CredentialsSource: Sendable, Equatable, CustomStringConvertible {
    /// Keys written in s3edge's own configuration.
    case configuration
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
    case environment
    /// STS `AssumeRoleWithWebIdentity` for `roleARN` (EKS IRSA and other OIDC federations).
    case webIdentity(roleARN: String)
    /// Static keys of `profile` in the shared file at `path`.
    case sharedFiles(profile: String, path: String)
    /// The ECS/EKS container credentials endpoint (query string left out).
    case container(endpoint: String)
    /// The EC2 instance profile role, through the instance metadata service.
    case instanceProfile(role: String)

    public var description: String {
        switch self {
        case .configuration: return "explicit keys in the configuration"
        case .environment: return "environment"
        case .webIdentity(let roleARN): return "web identity role \(roleARN)"
        case .sharedFiles(let profile, let path): return "profile \(profile) in \(path)"
        case .container(let endpoint): return "container endpoint \(endpoint)"
        case .instanceProfile(let role): return "instance profile \(role)"
        }
    }
}

/// One step of the default chain, in the order the AWS SDKs try them.
public enum CredentialsChainStep: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case configuration
    case environment
    case webIdentity
    case sharedFiles
    case container
    case instanceMetadata

    public var description: String {
        switch self {
        case .configuration: return "explicit keys in the configuration"
        case .environment: return "environment variables"
        case .webIdentity: return "web identity (STS AssumeRoleWithWebIdentity)"
        case .sharedFiles: return "shared credentials/config files"
        case .container: return "container credentials endpoint"
        case .instanceMetadata: return "EC2 instance metadata (IMDS)"
        }
    }
}
