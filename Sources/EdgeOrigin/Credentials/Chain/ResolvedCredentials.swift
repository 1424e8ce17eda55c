#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Credentials as one step of the chain returned them: the keys, when they stop working, and
/// where they came from. Prints without secrets (see `SigV4Credentials.description`).
public struct ResolvedCredentials: Sendable, Equatable, CustomStringConvertible {
    public var credentials: SigV4Credentials
    /// `nil` for long-term keys; STS, container and instance-profile credentials always expire.
    public var expiration: Date?
    public var source: CredentialsSource

    public init(credentials: SigV4Credentials, expiration: Date?, source: CredentialsSource) {
        self.credentials = credentials
        self.expiration = expiration
        self.source = source
    }

    public var description: String {
        let expiry = expiration.map { ", expires \(CredentialsTimestamp.format($0))" } ?? ""
        return "\(credentials) from \(source)\(expiry)"
    }
}

extension ResolvedCredentials: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: ["description": description], displayStyle: .struct)
    }
}
