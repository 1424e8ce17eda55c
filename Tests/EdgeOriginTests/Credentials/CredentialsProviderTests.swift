import Foundation
import Testing

@testable import EdgeOrigin

/// The provider's background refresh, driven by a manual clock: nothing sleeps for real.
@Suite struct CredentialsProviderTests {
    static let at = CredentialsFixtures.at
    static let policy = CredentialsRefreshPolicy(jitterFraction: 0)
    static let failure = CredentialsFailure(step: .instanceMetadata, reason: "IMDS answered 500", fix: "retry later")

    static func temporary(_ keyID: String, expiresAt minutes: Double) -> ResolvedCredentials {
        ResolvedCredentials(
            credentials: SigV4Credentials(accessKeyID: keyID, secretAccessKey: CredentialsFixtures.secret,
                                          sessionToken: CredentialsFixtures.sessionToken),
            expiration: at(minutes), source: .instanceProfile(role: "EdgeRole")
        )
    }

    @Test func refreshesFromIMDSBeforeExpiry() async throws {
        try await withTemporaryHome { home in
            let served = LockedBox(0)
            let imds = InstanceMetadataCredentialsTests.imds(
                keyID: { served.withLock { $0 += 1; return "ASIAROUND\($0)" } }, expiration: Self.at(60)
            )
            try await withLoopbackServer(imds) { server in
                let clock = ManualCredentialsClock(now: Self.at(0))
                let (logger, _) = RecordingLogHandler.logger()
                let provider = try await CredentialsProvider.resolve(
                    chain: InstanceMetadataCredentialsTests.chain(server, home: home), clock: clock, policy: Self.policy, logger: logger
                )
                #expect(try provider.current().accessKeyID == "ASIAROUND1")
                #expect(provider.expiration == Self.at(60))
                #expect(provider.nextRefresh == Self.at(45))

                let refresher = Task { await provider.run() }
                defer { refresher.cancel() }
                #expect(try await clock.waitForSleeper() == Self.at(45))
                clock.advance(to: Self.at(44))
                #expect(server.requests.count == 3)
                #expect(try provider.current().accessKeyID == "ASIAROUND1")

                // Each round serves credentials expiring an hour after t0, so the next refresh
                // comes at half the remaining lifetime.
                clock.advance(to: Self.at(45))
                #expect(try await clock.waitForSleeper() == Self.at(52.5))
                #expect(try provider.current().accessKeyID == "ASIAROUND2")
                #expect(server.requests.map { "\($0.method) \($0.uri)" }.suffix(3) == [
                    "PUT /latest/api/token", "GET \(InstanceMetadataCredentialsTests.rolePath)",
                    "GET \(InstanceMetadataCredentialsTests.rolePath)EdgeRole",
                ])
            }
        }
    }

    @Test func aFailedRefreshKeepsValidCredentialsThenExpiredThrowsThenRecovers() async throws {
        let link = ScriptedCredentialsLink([.success(Self.temporary("ASIAFIRST", expiresAt: 60)), .failure(Self.failure), .failure(Self.failure)])
        let clock = ManualCredentialsClock(now: Self.at(0))
        let (logger, logs) = RecordingLogHandler.logger()
        let provider = try await CredentialsProvider.resolve(chain: CredentialsChain(links: [link]), clock: clock, policy: Self.policy, logger: logger)
        let refresher = Task { await provider.run() }
        defer { refresher.cancel() }

        _ = try await clock.waitForSleeper()
        clock.advance(to: Self.at(45))
        #expect(try await clock.waitForSleeper() == Self.at(45).addingTimeInterval(5))
        #expect(try provider.current().accessKeyID == "ASIAFIRST")
        #expect(logs.current.map(\.level) == [.warning])
        #expect(logs.current.first?.message == "refreshing credentials from instance profile EdgeRole failed: IMDS answered 500; "
            + "keeping the current ones, usable until 2026-03-14T09:59:00Z; next attempt at 2026-03-14T09:45:05Z. Fix: retry later")

        // Still failing when the credentials run out: nothing is signed with them.
        clock.advance(to: Self.at(59.5))
        #expect(try await clock.waitForSleeper() == Self.at(59.5).addingTimeInterval(10))
        let expired = CredentialsError.expired(source: .instanceProfile(role: "EdgeRole"), expiration: Self.at(60), lastFailure: Self.failure)
        #expect(throws: expired) { try provider.current() }
        #expect(logs.current.map(\.level) == [.warning, .error])

        link.then(.success(Self.temporary("ASIASECOND", expiresAt: 120)))
        clock.advance(to: Self.at(60))
        #expect(try await clock.waitForSleeper() == Self.at(105))
        #expect(try provider.current().accessKeyID == "ASIASECOND")
        #expect(logs.current.last?.level == .info)
        #expect(logs.current.last?.message == "credentials from instance profile EdgeRole refreshed after 2 failed attempts; "
            + "valid until 2026-03-14T11:00:00Z, next refresh at 2026-03-14T10:45:00Z")
        #expect(link.fetches == 4)
        for entry in logs.current { CredentialsFixtures.expectNoSecrets(entry.message) }
    }

    @Test func aSourceThatHandsOutExpiredCredentialsCountsAsAFailure() async throws {
        let link = ScriptedCredentialsLink([.success(Self.temporary("ASIAFIRST", expiresAt: 60)), .success(Self.temporary("ASIASTALE", expiresAt: 40))])
        let clock = ManualCredentialsClock(now: Self.at(0))
        let (logger, logs) = RecordingLogHandler.logger()
        let provider = try await CredentialsProvider.resolve(chain: CredentialsChain(links: [link]), clock: clock, policy: Self.policy, logger: logger)
        let refresher = Task { await provider.run() }
        defer { refresher.cancel() }

        _ = try await clock.waitForSleeper()
        clock.advance(to: Self.at(45))
        _ = try await clock.waitForSleeper()
        #expect(try provider.current().accessKeyID == "ASIAFIRST")
        #expect(logs.current.first?.level == .warning)
        #expect(logs.current.first?.message.contains("returned credentials that expire at 2026-03-14T09:40:00Z, already past") == true)
    }

    @Test func longTermKeysNeedNoRefreshAndRunEndsOnCancel() async throws {
        try await withTemporaryHome { home in
            let clock = ManualCredentialsClock(now: Self.at(0))
            let (logger, logs) = RecordingLogHandler.logger()
            let provider = try await CredentialsProvider.resolve(
                chain: CredentialsFixtures.chain(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": CredentialsFixtures.secret], home: home),
                clock: clock, policy: Self.policy, logger: logger
            )
            #expect(provider.source == .environment)
            #expect(provider.expiration == nil)
            #expect(provider.nextRefresh == nil)
            let refresher = Task { await provider.run() }
            #expect(try await clock.waitForSleeper() == .distantFuture)
            refresher.cancel()
            await refresher.value
            clock.advance(to: Self.at(1e6))
            #expect(try provider.current().accessKeyID == "AKIDENV")
            #expect(logs.current.isEmpty)
        }
    }
}
