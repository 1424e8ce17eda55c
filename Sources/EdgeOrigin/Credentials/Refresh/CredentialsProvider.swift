#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOConcurrencyHelpers

/// The credentials to sign origin requests with: resolved once through the default chain, then
/// kept fresh in the background.
///
/// `current()` is a lock and a comparison, cheap enough for every request on every event loop.
/// Temporary credentials are refreshed by `run()` well before they expire; a failed refresh
/// keeps the still-valid credentials (logged as a warning) and is retried with backoff; expired
/// credentials are never handed out: `current()` throws `CredentialsError.expired` instead.
public final class CredentialsProvider: Sendable {
    private let machine: NIOLockedValueBox<StateMachine>
    private let link: any CredentialsChainLink
    private let queue: CredentialsFetchQueue
    private let clock: any CredentialsClock
    private let minimumLifetime: Duration
    private let logger: Logger

    /// Resolves `chain` (blocking work runs on a dispatch queue) and returns a provider serving
    /// the result. Log `provider.source` at startup: "credentials from \(provider.source)".
    public static func resolve(
        chain: CredentialsChain,
        clock: any CredentialsClock = SystemCredentialsClock(),
        policy: CredentialsRefreshPolicy = CredentialsRefreshPolicy(),
        logger: Logger
    ) async throws(CredentialsError) -> CredentialsProvider {
        let (resolved, link) = try await chain.resolveWithLink(now: clock.now())
        return CredentialsProvider(
            initial: resolved, link: link, queue: chain.queue, clock: clock, policy: policy,
            minimumLifetime: chain.minimumLifetime, logger: logger
        )
    }

    init(
        initial: ResolvedCredentials, link: any CredentialsChainLink, queue: CredentialsFetchQueue,
        clock: any CredentialsClock, policy: CredentialsRefreshPolicy, minimumLifetime: Duration, logger: Logger
    ) {
        machine = NIOLockedValueBox(StateMachine(initial: initial, now: clock.now(), jitter: .random(in: 0..<1), policy: policy))
        self.link = link
        self.queue = queue
        self.clock = clock
        self.minimumLifetime = minimumLifetime
        self.logger = logger
    }

    /// The credentials to sign a request with now.
    public func current() throws(CredentialsError) -> SigV4Credentials {
        let now = clock.now()
        return try machine.withLockedValue { $0.credentials(at: now) }.get()
    }

    /// When the current credentials expire; `nil` for long-term keys.
    public var expiration: Date? { machine.withLockedValue { $0.resolved.expiration } }

    public var source: CredentialsSource { machine.withLockedValue { $0.resolved.source } }

    /// When the next refresh is due; `nil` for long-term keys.
    public var nextRefresh: Date? { machine.withLockedValue { $0.nextAttempt } }

    /// Refreshes temporary credentials when due, until the task is cancelled. For long-term keys
    /// it only waits for cancellation, so it can run as a service either way.
    public func run() async {
        while !Task.isCancelled {
            let next = machine.withLockedValue { $0.nextAttempt } ?? .distantFuture
            do {
                try await clock.sleep(until: next)
            } catch {
                return
            }
            guard !Task.isCancelled else { return }
            await refresh()
        }
    }

    /// One refresh attempt from the source that supplied the current credentials.
    func refresh() async {
        let link = self.link
        let result = await queue.run { Self.fetch(link) }
        let now = clock.now()
        let checked = result.flatMap { resolved -> Result<ResolvedCredentials, CredentialsFailure> in
            Result { () throws(CredentialsFailure) in
                try CredentialsChain.checkLifetime(resolved, step: link.step, now: now, minimum: minimumLifetime)
                return resolved
            }
        }
        let jitter = Double.random(in: 0..<1)
        let action = machine.withLockedValue { machine in
            switch checked {
            case .success(let resolved): return machine.refreshSucceeded(resolved, now: now, jitter: jitter)
            case .failure(let failure): return machine.refreshFailed(failure, now: now, jitter: jitter)
            }
        }
        log(action)
    }

    private static func fetch(_ link: any CredentialsChainLink) -> Result<ResolvedCredentials, CredentialsFailure> {
        do {
            switch try link.fetch() {
            case .resolved(let resolved):
                return .success(resolved)
            case .unavailable(let reason):
                return .failure(CredentialsFailure(
                    step: link.step, reason: "the source that supplied the credentials is gone: \(reason)",
                    fix: "restore it, or restart s3edge to pick another source"
                ))
            }
        } catch {
            return .failure(error)
        }
    }

    private func log(_ action: StateMachine.RefreshAction) {
        switch action {
        case .refreshed(let resolved, let failures, let next):
            let when = resolved.expiration.map { "valid until \(CredentialsTimestamp.format($0))" } ?? "long-term"
            let then = next.map { ", next refresh at \(CredentialsTimestamp.format($0))" } ?? ""
            if failures > 0 {
                logger.info("credentials from \(resolved.source) refreshed after \(failures) failed attempts; \(when)\(then)")
            } else {
                logger.debug("credentials from \(resolved.source) refreshed; \(when)\(then)")
            }
        case .keptCurrent(let failure, let usableUntil, let next):
            let message = "refreshing credentials from \(source) failed: \(failure.reason); keeping the current ones, "
                + "usable until \(CredentialsTimestamp.format(usableUntil)); next attempt at \(CredentialsTimestamp.format(next)). Fix: \(failure.fix)"
            logger.warning("\(message)")
        case .expired(let error, let next):
            logger.error("\(error); next attempt at \(CredentialsTimestamp.format(next))")
        }
    }
}
