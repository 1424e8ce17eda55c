/// Key `credentials` of an origin: where the keys that sign S3 requests come
/// from. Omitted or `{}` means the default chain, which is what most
/// deployments want.
///
/// Printing, `dump` and string interpolation never show the secret access key
/// or the session token: they print as `****`, so settings can appear in logs
/// and test failures without leaking.
public enum OriginCredentialsSettings: Sendable, Equatable {
    /// The AWS SDKs' default chain: environment variables, web identity, the
    /// shared config files (`AWS_PROFILE`), the container endpoint, then the
    /// instance role. Keeps secrets out of the configuration file.
    case defaultChain
    /// `profile: NAME`: a named profile of the shared config files
    /// (`~/.aws/config`, `~/.aws/credentials` of the service user).
    case profile(String)
    /// `role_arn: ARN` (with optional `session_name` and `external_id`): assume
    /// this IAM role via STS, using the default chain as the source
    /// credentials. `sessionName` nil means "s3edge".
    case role(arn: String, sessionName: String?, externalID: String?)
    /// `access_key_id` + `secret_access_key` (+ `session_token`): static keys
    /// written in the file. Accepted, with a warning.
    case keys(accessKeyID: String, secretAccessKey: String, sessionToken: String?)
}

extension OriginCredentialsSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// "default chain", "profile media", "role arn:...", or "keys AKIA.../****".
    public var description: String {
        switch self {
        case .defaultChain:
            return "default chain"
        case .profile(let name):
            return "profile \(name)"
        case .role(let arn, let sessionName, let externalID):
            var text = "role \(arn)"
            if let sessionName { text += " (session \(sessionName))" }
            if externalID != nil { text += " (external id ****)" }
            return text
        case .keys(let accessKeyID, _, let sessionToken):
            return "keys \(accessKeyID)/****" + (sessionToken == nil ? "" : " (session token ****)")
        }
    }

    public var debugDescription: String { "OriginCredentialsSettings(\(description))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["credentials": description], displayStyle: .enum)
    }
}
