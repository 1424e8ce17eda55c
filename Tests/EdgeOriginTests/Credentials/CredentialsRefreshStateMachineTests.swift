import Foundation
import Testing

@testable import EdgeOrigin

/// The provider's refresh decisions as plain values: no clock, no threads.
@Suite struct CredentialsRefreshStateMachineTests {
    typealias Machine = CredentialsProvider.StateMachine
    static let policy = CredentialsRefreshPolicy(jitterFraction: 0)
    static let at = CredentialsFixtures.at

    static func temporary(_ keyID: String, expiresAt minutes: Double) -> ResolvedCredentials {
        ResolvedCredentials(
            credentials: SigV4Credentials(accessKeyID: keyID, secretAccessKey: CredentialsFixtures.secret, sessionToken: "t"),
            expiration: at(minutes), source: .instanceProfile(role: "EdgeRole")
        )
    }

    static let failure = CredentialsFailure(step: .instanceMetadata, reason: "IMDS answered 500", fix: "retry")

    @Test func longTermKeysAreNeverRefreshed() throws {
        let keys = ResolvedCredentials(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "s"), expiration: nil, source: .environment)
        let machine = Machine(initial: keys, now: Self.at(0), jitter: 0.5, policy: Self.policy)
        #expect(machine.nextAttempt == nil)
        #expect(try machine.credentials(at: Self.at(1e6)).get() == keys.credentials)
    }

    @Test func refreshesFifteenMinutesBeforeExpiryOrAtHalfTheLifetime() throws {
        // Six-hour instance-profile credentials: 15 minutes before.
        #expect(Machine(initial: Self.temporary("A", expiresAt: 360), now: Self.at(0), jitter: 0, policy: Self.policy).nextAttempt == Self.at(345))
        // Twenty-minute credentials: half the lifetime (10 min) is sooner than 15 min before.
        #expect(Machine(initial: Self.temporary("A", expiresAt: 20), now: Self.at(0), jitter: 0, policy: Self.policy).nextAttempt == Self.at(10))
    }

    @Test func jitterOnlyMovesTheRefreshEarlier() throws {
        let policy = CredentialsRefreshPolicy(jitterFraction: 0.2)
        let latest = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: policy).nextAttempt
        let earliest = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0.999_999, policy: policy).nextAttempt
        #expect(latest == Self.at(45))
        #expect(earliest.map { abs($0.timeIntervalSince(Self.at(42))) < 0.01 } == true)
    }

    @Test func aFailedRefreshKeepsValidCredentialsAndBacksOff() throws {
        var machine = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: Self.policy)
        let first = machine.refreshFailed(Self.failure, now: Self.at(45), jitter: 0)
        #expect(first == .keptCurrent(Self.failure, usableUntil: Self.at(59), nextAttempt: Self.at(45).addingTimeInterval(5)))
        let second = machine.refreshFailed(Self.failure, now: Self.at(45).addingTimeInterval(5), jitter: 0)
        #expect(second == .keptCurrent(Self.failure, usableUntil: Self.at(59), nextAttempt: Self.at(45).addingTimeInterval(15)))
        #expect(try machine.credentials(at: Self.at(58)).get().accessKeyID == "A")
    }

    @Test func backoffIsCappedAndNeverOutlastsHalfTheUsableTime() throws {
        var machine = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: Self.policy)
        var action = machine.refreshFailed(Self.failure, now: Self.at(45), jitter: 0)
        for _ in 0..<20 { action = machine.refreshFailed(Self.failure, now: Self.at(45), jitter: 0) }
        // 5 s doubling would be hours; the cap is 5 min, and half of the 14 usable minutes is 7.
        #expect(action == .keptCurrent(Self.failure, usableUntil: Self.at(59), nextAttempt: Self.at(50)))
        action = machine.refreshFailed(Self.failure, now: Self.at(58), jitter: 0)
        #expect(action == .keptCurrent(Self.failure, usableUntil: Self.at(59), nextAttempt: Self.at(58.5)))
    }

    @Test func expiredCredentialsAreNeverServed() throws {
        var machine = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: Self.policy)
        let action = machine.refreshFailed(Self.failure, now: Self.at(59.5), jitter: 0)
        let expired = CredentialsError.expired(source: .instanceProfile(role: "EdgeRole"), expiration: Self.at(60), lastFailure: Self.failure)
        #expect(action == .expired(expired, nextAttempt: Self.at(59.5).addingTimeInterval(5)))
        // One minute of margin: a request signed at 59:30 could arrive after expiry.
        #expect(throws: expired) { try machine.credentials(at: Self.at(59.5)).get() }
        #expect(throws: expired) { try machine.credentials(at: Self.at(61)).get() }
    }

    @Test func aSuccessfulRefreshReplacesCredentialsAndResetsFailures() throws {
        var machine = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: Self.policy)
        _ = machine.refreshFailed(Self.failure, now: Self.at(45), jitter: 0)
        _ = machine.refreshFailed(Self.failure, now: Self.at(46), jitter: 0)
        let action = machine.refreshSucceeded(Self.temporary("B", expiresAt: 120), now: Self.at(47), jitter: 0)
        #expect(action == .refreshed(Self.temporary("B", expiresAt: 120), afterFailures: 2, nextAttempt: Self.at(105)))
        #expect(try machine.credentials(at: Self.at(100)).get().accessKeyID == "B")
        let next = machine.refreshFailed(Self.failure, now: Self.at(105), jitter: 0)
        #expect(next == .keptCurrent(Self.failure, usableUntil: Self.at(119), nextAttempt: Self.at(105).addingTimeInterval(5)))
    }

    @Test func expiredErrorNamesSourceCauseAndFixWithoutSecrets() throws {
        var machine = Machine(initial: Self.temporary("A", expiresAt: 60), now: Self.at(0), jitter: 0, policy: Self.policy)
        _ = machine.refreshFailed(Self.failure, now: Self.at(61), jitter: 0)
        guard case .failure(let error) = machine.credentials(at: Self.at(61)) else {
            Issue.record("expired credentials were served")
            return
        }
        #expect("\(error)" == "credentials from instance profile EdgeRole expired at 2026-03-14T10:00:00Z and requests are "
            + "not signed with expired credentials; refreshing them failed: IMDS answered 500. Fix: retry")
        CredentialsFixtures.expectNoSecrets("\(error)")
    }
}
