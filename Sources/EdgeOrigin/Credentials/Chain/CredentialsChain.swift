#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The AWS default credentials chain, in the SDKs' order: explicit keys, environment, web
/// identity, shared files, container endpoint, EC2 instance metadata.
///
/// Steps that are not configured are skipped (and listed in the error if nothing is found); a
/// configured step that fails stops the chain with its cause and fix.
public struct CredentialsChain: Sendable {
    let links: [any CredentialsChainLink]
    /// Serial, so a provider's refreshes never overlap; one per chain, so providers don't queue behind each other.
    let queue = CredentialsFetchQueue(label: "s3edge.credentials")
    /// Refused at resolution: credentials that expire this soon are useless (usually a wrong clock).
    var minimumLifetime: Duration = .seconds(60)

    public init(configuration: CredentialsChainConfiguration) {
        let environment = configuration.environment
        links = [
            ExplicitCredentialsLink(credentials: configuration.explicitCredentials),
            EnvironmentCredentialsLink(environment: environment),
            WebIdentityCredentialsLink(environment: environment, timeouts: configuration.stsTimeouts),
            SharedFilesCredentialsLink(environment: environment),
            ContainerCredentialsLink(environment: environment, timeouts: configuration.metadataTimeouts),
            InstanceMetadataCredentialsLink(
                environment: environment, timeouts: configuration.metadataTimeouts,
                allowsV1Fallback: configuration.allowsIMDSv1Fallback
            ),
        ]
    }

    init(links: [any CredentialsChainLink]) {
        self.links = links
    }

    /// Resolves once, off the event loops and the concurrency pool.
    public func resolve(now: Date = Date()) async throws(CredentialsError) -> ResolvedCredentials {
        try await resolveWithLink(now: now).credentials
    }

    func resolveWithLink(now: Date) async throws(CredentialsError) -> (credentials: ResolvedCredentials, link: any CredentialsChainLink) {
        let result = await queue.run { self.resolveBlocking(now: now) }
        return try result.get()
    }

    /// Blocks on files and HTTP: only on `queue`.
    func resolveBlocking(now: Date) -> Result<(credentials: ResolvedCredentials, link: any CredentialsChainLink), CredentialsError> {
        var tried: [CredentialsAttempt] = []
        for link in links {
            do {
                switch try link.fetch() {
                case .unavailable(let reason):
                    tried.append(CredentialsAttempt(step: link.step, outcome: reason))
                case .resolved(let resolved):
                    try Self.checkLifetime(resolved, step: link.step, now: now, minimum: minimumLifetime)
                    return .success((resolved, link))
                }
            } catch {
                return .failure(.sourceFailed(error, tried: tried))
            }
        }
        return .failure(.notFound(tried: tried))
    }

    static func checkLifetime(_ resolved: ResolvedCredentials, step: CredentialsChainStep, now: Date, minimum: Duration) throws(CredentialsFailure) {
        guard let expiration = resolved.expiration else { return }
        let lifetime = expiration.timeIntervalSince(now)
        guard lifetime < Double(minimum.components.seconds) else { return }
        throw CredentialsFailure(
            step: step,
            reason: "\(resolved.source) returned credentials that expire at \(CredentialsTimestamp.format(expiration)), "
                + (lifetime <= 0 ? "already past" : "in \(Int(lifetime)) s") + " by this machine's clock (\(CredentialsTimestamp.format(now)))",
            fix: "check the system clock (timedatectl; chrony/NTP); if it is right, the credentials source is handing out expired credentials"
        )
    }
}
