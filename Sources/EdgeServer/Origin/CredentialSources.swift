import EdgeConfig
import EdgeOrigin
import NIOConcurrencyHelpers

/// Turns a distribution's `credentials` setting into a source of signing credentials, sharing
/// one source per distinct setting across distributions and reloads.
public final class CredentialSources: Sendable {
    private let sources = NIOLockedValueBox<[String: any OriginCredentialSource]>([:])

    public init() {}

    func source(for settings: OriginCredentialsSettings) throws -> any OriginCredentialSource {
        let key = settings.identity
        return try sources.withLockedValue { sources in
            if let existing = sources[key] { return existing }
            let created: any OriginCredentialSource = switch settings {
            case .keys(let accessKeyID, let secretAccessKey, let sessionToken):
                StaticCredentialSource(credentials: SigV4Credentials(
                    accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken
                ))
            case .defaultChain, .profile, .role:
                throw CredentialSourceUnavailable(settings: settings)
            }
            sources[key] = created
            return created
        }
    }
}

/// Keys written in the configuration; they never expire.
struct StaticCredentialSource: OriginCredentialSource {
    let credentials: SigV4Credentials

    func current() throws -> SigV4Credentials { credentials }
}

struct CredentialSourceUnavailable: Error, CustomStringConvertible {
    let settings: OriginCredentialsSettings

    var description: String { "credentials \(settings) are not available in this build" }
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
