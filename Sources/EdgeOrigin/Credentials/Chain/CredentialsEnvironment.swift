#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The environment variables and home directory the credentials chain reads.
///
/// Injected rather than read from the process, so tests describe a whole machine in a
/// dictionary and a temporary directory and never see the real `AWS_*` variables or `~/.aws`.
public struct CredentialsEnvironment: Sendable {
    /// Variable name to value, e.g. `["AWS_PROFILE": "edge"]`.
    public var variables: [String: String]
    /// What `~` in `~/.aws/credentials` (and in path variables) stands for; `nil` when unknown.
    public var homeDirectory: String?

    public init(variables: [String: String], homeDirectory: String? = nil) {
        self.variables = variables
        self.homeDirectory = homeDirectory
    }

    /// This process's environment, with `HOME` as the home directory.
    public static func process() -> CredentialsEnvironment {
        let variables = ProcessInfo.processInfo.environment
        return CredentialsEnvironment(variables: variables, homeDirectory: variables["HOME"])
    }

    /// The variable's value, or `nil` when unset or empty (the SDKs treat `X=` as unset).
    subscript(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// `path` with a leading `~/` replaced by the home directory; `nil` when `~` cannot be expanded.
    func expandingHome(_ path: String) -> String? {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        guard let home = homeDirectory, !home.isEmpty else { return nil }
        return home + path.dropFirst()
    }
}
