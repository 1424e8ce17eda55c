#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CredentialsProvider {
    /// The credentials a provider serves and when it next refreshes them. A value with no clock
    /// or thread of its own: every event carries `now` (and a `jitter` in `0..<1`).
    struct StateMachine {
        enum State: Equatable {
            /// Long-term keys (configuration, environment, shared files): served as they are,
            /// never refreshed.
            case permanent(ResolvedCredentials)
            /// Temporary credentials, served until `expiration − expiryMargin` and refreshed from
            /// their source at `nextAttempt`.
            case temporary(Temporary)
        }

        struct Temporary: Equatable {
            var current: ResolvedCredentials
            var expiration: Date
            var nextAttempt: Date
            /// Refreshes failed in a row since the last success.
            var failures: Int
            var lastFailure: CredentialsFailure?
        }

        /// What the shell logs after a refresh attempt.
        enum RefreshAction: Equatable {
            /// New credentials are served. `afterFailures` > 0 when this ends a run of failures.
            case refreshed(ResolvedCredentials, afterFailures: Int, nextAttempt: Date?)
            /// The refresh failed; the current credentials stay in use until `usableUntil`.
            case keptCurrent(CredentialsFailure, usableUntil: Date, nextAttempt: Date)
            /// The refresh failed and the current credentials are past use: signing fails until
            /// an attempt succeeds.
            case expired(CredentialsError, nextAttempt: Date)
        }

        private(set) var state: State
        let policy: CredentialsRefreshPolicy

        init(initial: ResolvedCredentials, now: Date, jitter: Double, policy: CredentialsRefreshPolicy) {
            self.policy = policy
            state = .permanent(initial)
            state = fresh(initial, now: now, jitter: jitter)
        }

        var resolved: ResolvedCredentials {
            switch state {
            case .permanent(let resolved): return resolved
            case .temporary(let temporary): return temporary.current
            }
        }

        /// When the shell should call the source again; `nil` for permanent credentials.
        var nextAttempt: Date? {
            guard case .temporary(let temporary) = state else { return nil }
            return temporary.nextAttempt
        }

        /// The credentials to sign with at `now`, or why there are none.
        func credentials(at now: Date) -> Result<SigV4Credentials, CredentialsError> {
            switch state {
            case .permanent(let resolved):
                return .success(resolved.credentials)
            case .temporary(let temporary):
                guard now < usableUntil(temporary.expiration) else {
                    return .failure(.expired(source: temporary.current.source, expiration: temporary.expiration,
                                             lastFailure: temporary.lastFailure))
                }
                return .success(temporary.current.credentials)
            }
        }

        mutating func refreshSucceeded(_ new: ResolvedCredentials, now: Date, jitter: Double) -> RefreshAction {
            let failures: Int
            if case .temporary(let temporary) = state { failures = temporary.failures } else { failures = 0 }
            state = fresh(new, now: now, jitter: jitter)
            return .refreshed(new, afterFailures: failures, nextAttempt: nextAttempt)
        }

        mutating func refreshFailed(_ failure: CredentialsFailure, now: Date, jitter: Double) -> RefreshAction {
            // Permanent credentials are never refreshed, so a failure can only concern temporary ones.
            guard case .temporary(var temporary) = state else { preconditionFailure("refresh of permanent credentials") }
            temporary.failures += 1
            temporary.lastFailure = failure
            let usableUntil = usableUntil(temporary.expiration)
            temporary.nextAttempt = retryTime(failures: temporary.failures, usableUntil: usableUntil, now: now, jitter: jitter)
            state = .temporary(temporary)
            if now < usableUntil {
                return .keptCurrent(failure, usableUntil: usableUntil, nextAttempt: temporary.nextAttempt)
            }
            return .expired(.expired(source: temporary.current.source, expiration: temporary.expiration, lastFailure: failure),
                            nextAttempt: temporary.nextAttempt)
        }

        private func fresh(_ resolved: ResolvedCredentials, now: Date, jitter: Double) -> State {
            guard let expiration = resolved.expiration else { return .permanent(resolved) }
            return .temporary(Temporary(
                current: resolved, expiration: expiration,
                nextAttempt: refreshTime(expiration: expiration, now: now, jitter: jitter), failures: 0, lastFailure: nil
            ))
        }

        private func usableUntil(_ expiration: Date) -> Date {
            expiration.addingTimeInterval(-policy.expiryMarginSeconds)
        }

        /// `lead` before expiry, or half the remaining lifetime when that is sooner; jitter moves
        /// it earlier by up to `jitterFraction` of the lead.
        private func refreshTime(expiration: Date, now: Date, jitter: Double) -> Date {
            let remaining = expiration.timeIntervalSince(now)
            var lead = min(policy.leadSeconds, remaining / 2)
            lead += lead * policy.jitterFraction * jitter
            return max(expiration.addingTimeInterval(-lead), now.addingTimeInterval(policy.minimumIntervalSeconds))
        }

        /// Exponential backoff, but at most half the time the current credentials stay usable,
        /// so several attempts fit before they run out.
        private func retryTime(failures: Int, usableUntil: Date, now: Date, jitter: Double) -> Date {
            var delay = min(policy.initialBackoffSeconds * Double(1 << min(failures - 1, 30)), policy.maximumBackoffSeconds)
            let left = usableUntil.timeIntervalSince(now)
            if left > 0 { delay = min(delay, left / 2) }
            delay -= delay * policy.jitterFraction * jitter
            return now.addingTimeInterval(max(delay, policy.minimumIntervalSeconds))
        }
    }
}
