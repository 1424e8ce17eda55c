#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why one step of the chain could not supply credentials, with the fix. Never holds a secret:
/// texts quoted from a server are scrubbed of the tokens that were sent to it.
public struct CredentialsFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var step: CredentialsChainStep
    /// What went wrong, e.g. `STS answered 403 AccessDenied: Not authorized to perform …`.
    public var reason: String
    /// What the operator should change.
    public var fix: String

    public init(step: CredentialsChainStep, reason: String, fix: String) {
        self.step = step
        self.reason = reason
        self.fix = fix
    }

    public var description: String { "\(step): \(reason). Fix: \(fix)" }
}

/// A step that was tried and skipped because it was not configured, with the reason.
public struct CredentialsAttempt: Sendable, Equatable, CustomStringConvertible {
    public var step: CredentialsChainStep
    public var outcome: String

    public init(step: CredentialsChainStep, outcome: String) {
        self.step = step
        self.outcome = outcome
    }

    public var description: String { "\(step): \(outcome)" }
}

/// Why there are no credentials to sign with.
public enum CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No step of the chain was configured; `tried` says what each one looked for.
    case notFound(tried: [CredentialsAttempt])
    /// A configured step failed. Later steps were not tried: they would sign as a different
    /// identity, which is worse than stopping (as in botocore and the Rust and Go SDKs).
    case sourceFailed(CredentialsFailure, tried: [CredentialsAttempt])
    /// The credentials reached their expiration and no refresh has succeeded since.
    case expired(source: CredentialsSource, expiration: Date, lastFailure: CredentialsFailure?)

    public var description: String {
        switch self {
        case .notFound(let tried):
            return "no AWS credentials found; tried, in order: \(Self.list(tried)). Fix: "
                + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE to a profile with static keys "
                + "in ~/.aws/credentials, or attach an instance role (EC2 instance profile, ECS task role, "
                + "EKS IRSA or pod identity) with s3:GetObject on the bucket"
        case .sourceFailed(let failure, let tried):
            let skipped = tried.isEmpty ? "" : " (skipped before it: \(Self.list(tried)))"
            return "could not load AWS credentials from \(failure.step): \(failure.reason). Fix: \(failure.fix)\(skipped)"
        case .expired(let source, let expiration, let lastFailure):
            let cause = lastFailure.map { "refreshing them failed: \($0.reason). Fix: \($0.fix)" }
                ?? "no refresh has completed yet: make sure the credentials provider's run() is running"
            return "credentials from \(source) expired at \(CredentialsTimestamp.format(expiration)) "
                + "and requests are not signed with expired credentials; \(cause)"
        }
    }

    private static func list(_ tried: [CredentialsAttempt]) -> String {
        tried.isEmpty ? "nothing" : tried.map(\.description).joined(separator: "; ")
    }
}
