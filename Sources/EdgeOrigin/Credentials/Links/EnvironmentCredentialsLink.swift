#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN` (with
/// `AWS_CREDENTIAL_EXPIRATION`, as the Java and Rust SDKs read it).
struct EnvironmentCredentialsLink: CredentialsChainLink {
    var environment: CredentialsEnvironment
    var step: CredentialsChainStep { .environment }

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        let keyID = environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["AWS_SECRET_ACCESS_KEY"]
        switch (keyID, secret) {
        case (nil, nil):
            return .unavailable("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        case (.some, nil):
            throw failure("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
                          fix: "export AWS_SECRET_ACCESS_KEY too, or unset AWS_ACCESS_KEY_ID to use another source")
        case (nil, .some):
            throw failure("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
                          fix: "export AWS_ACCESS_KEY_ID too, or unset AWS_SECRET_ACCESS_KEY to use another source")
        case (let keyID?, let secret?):
            var expiration: Date?
            if let text = environment["AWS_CREDENTIAL_EXPIRATION"] {
                guard let date = CredentialsTimestamp.parse(text) else {
                    throw failure("AWS_CREDENTIAL_EXPIRATION \"\(text)\" is not an ISO 8601 time",
                                  fix: "write it like 2026-03-14T09:26:53Z, or unset it")
                }
                expiration = date
            }
            let credentials = SigV4Credentials(
                accessKeyID: keyID, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]
            )
            return .resolved(ResolvedCredentials(credentials: credentials, expiration: expiration, source: .environment))
        }
    }

    private func failure(_ reason: String, fix: String) -> CredentialsFailure {
        CredentialsFailure(step: step, reason: reason, fix: fix)
    }
}
