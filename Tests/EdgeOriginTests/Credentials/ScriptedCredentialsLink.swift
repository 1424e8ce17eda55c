@testable import EdgeOrigin

/// A chain step whose answers the test lists in advance, one per fetch.
final class ScriptedCredentialsLink: CredentialsChainLink {
    private let script: LockedBox<[Result<ResolvedCredentials, CredentialsFailure>]>
    private let fetchCount = LockedBox(0)

    init(_ script: [Result<ResolvedCredentials, CredentialsFailure>]) {
        self.script = LockedBox(script)
    }

    var step: CredentialsChainStep { .instanceMetadata }
    var fetches: Int { fetchCount.current }

    /// Appends answers for later fetches.
    func then(_ results: Result<ResolvedCredentials, CredentialsFailure>...) {
        script.withLock { $0.append(contentsOf: results) }
    }

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        fetchCount.withLock { $0 += 1 }
        let next = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch next {
        case .success(let resolved): return .resolved(resolved)
        case .failure(let failure): throw failure
        case nil: return .unavailable("script exhausted")
        }
    }
}
