import EdgeConfig
import EdgeOrigin
import Logging
import NIOConcurrencyHelpers

/// Turns a distribution's `credentials` setting into a source of signing credentials, one per
/// distinct setting, shared across distributions and reloads. Sources are resolved ahead of use
/// (`prepare`), since resolving may call STS or the instance metadata service; each keeps its
/// credentials fresh in the background until `shutdown()`.
public final class CredentialSources: Sendable {
    private struct Entry: Sendable {
        let source: any OriginCredentialSource
        let refresh: Task<Void, Never>?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let environment: CredentialsEnvironment
    private let logger: Logger

    public init(environment: CredentialsEnvironment, logger: Logger) {
        self.environment = environment
        self.logger = logger
    }

    /// Resolves the credentials every origin in `configuration` signs with. Throws naming what
    /// was tried and the fix when a source cannot be resolved.
    public func prepare(for configuration: EdgeConfiguration) async throws {
        if case .kms(let kms) = configuration.cache.encryption, entries.withLockedValue({ $0[kms.credentials.identity] == nil }) {
            let entry = try await resolve(kms.credentials, for: "the cache's KMS key")
            entries.withLockedValue { $0[kms.credentials.identity] = entry }
        }
        for distribution in configuration.distributions {
            guard let origin = distribution.origin, origin.signing != .never else { continue }
            let key = origin.credentials.identity
            if entries.withLockedValue({ $0[key] != nil }) { continue }
            let entry = try await resolve(origin.credentials, for: distribution.id)
            entries.withLockedValue { $0[key] = entry }
        }
    }

    func source(for settings: OriginCredentialsSettings) throws -> any OriginCredentialSource {
        guard let entry = entries.withLockedValue({ $0[settings.identity] }) else {
            throw CredentialSourceUnavailable(settings: settings)
        }
        return entry.source
    }

    public func shutdown() {
        let all = entries.withLockedValue { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        all.forEach { $0.refresh?.cancel() }
    }

    private func resolve(_ settings: OriginCredentialsSettings, for distribution: String) async throws -> Entry {
        var chain = CredentialsChainConfiguration(environment: environment)
        switch settings {
        case .keys(let accessKeyID, let secretAccessKey, let sessionToken):
            logger.warning("distribution \(distribution) signs with static keys from the configuration file: prefer the default chain (instance role, AWS_PROFILE, web identity)")
            return Entry(source: StaticCredentialSource(credentials: SigV4Credentials(
                accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken
            )), refresh: nil)
        case .role(let arn, _, _):
            throw CredentialSourceUnavailable(settings: settings, fix: "assuming \(arn) from the configuration is not supported yet: "
                + "set AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or attach the role to the instance")
        case .profile(let name):
            chain.environment.variables["AWS_PROFILE"] = name
        case .defaultChain:
            break
        }
        let provider = try await CredentialsProvider.resolve(chain: CredentialsChain(configuration: chain), logger: logger)
        logger.info("origin credentials for \(distribution) from \(provider.source)")
        return Entry(source: provider, refresh: Task { await provider.run() })
    }
}

extension CredentialsProvider: OriginCredentialSource {}

/// Keys written in the configuration; they never expire.
struct StaticCredentialSource: OriginCredentialSource {
    let credentials: SigV4Credentials

    func current() throws -> SigV4Credentials { credentials }
}

struct CredentialSourceUnavailable: Error, CustomStringConvertible {
    let settings: OriginCredentialsSettings
    var fix = "this is a bug: credentials are resolved before a configuration is used"

    var description: String { "credentials \(settings) are not available: \(fix)" }
}

extension OriginCredentialsSettings {
    /// Distinguishes settings without printing secrets (the secret is compared, not shown).
    var identity: String {
        switch self {
        case .defaultChain: "default"
        case .profile(let name): "profile:\(name)"
        case .role(let arn, let session, let external): "role:\(arn):\(session ?? ""):\(external ?? "")"
        case .keys(let id, let secret, let token): "keys:\(id):\(secret.hashValue):\(token?.hashValue ?? 0)"
        }
    }
}
