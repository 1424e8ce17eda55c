#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wall-clock time for credential expiry, injected so tests move time instead of sleeping.
///
/// Expirations are wall-clock instants from AWS, so this is `Date`, not a monotonic clock.
public protocol CredentialsClock: Sendable {
    func now() -> Date
    /// Returns once `now() >= deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock.
public struct SystemCredentialsClock: CredentialsClock {
    /// Sleeps are cut into slices this long and the wall clock re-read after each, so a clock
    /// step (NTP, suspend) delays a refresh by at most one slice.
    static let slice = Duration.seconds(60)

    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        while true {
            let remaining = deadline.timeIntervalSince(Date())
            guard remaining > 0 else { return }
            try await Task.sleep(for: min(.milliseconds(Int64((remaining * 1000).rounded(.up))), Self.slice))
        }
    }
}
