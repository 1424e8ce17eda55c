/// One step of the chain: looks at its configuration and, if there is some, fetches credentials.
///
/// `fetch()` blocks (files, HTTP), so it runs only on the credentials fetch queue. A provider
/// calls it again on the link that worked to refresh temporary credentials.
protocol CredentialsChainLink: Sendable {
    var step: CredentialsChainStep { get }

    /// `.unavailable` when this step is not configured (the chain moves on); throws when it is
    /// configured but broken (the chain stops).
    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult
}

enum CredentialsLinkResult: Sendable {
    case resolved(ResolvedCredentials)
    /// Not configured here; the text says what was looked for, e.g. `AWS_ROLE_ARN is not set`.
    case unavailable(String)
}

/// Keys from s3edge's own configuration. The caller warns that long-term keys in a config file
/// are a risk; here they are simply first.
struct ExplicitCredentialsLink: CredentialsChainLink {
    var credentials: SigV4Credentials?
    var step: CredentialsChainStep { .configuration }

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        guard let credentials else { return .unavailable("none configured") }
        return .resolved(ResolvedCredentials(credentials: credentials, expiration: nil, source: .configuration))
    }
}
