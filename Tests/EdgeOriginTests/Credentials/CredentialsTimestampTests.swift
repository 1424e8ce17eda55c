import Foundation
import Testing

@testable import EdgeOrigin

@Suite struct CredentialsTimestampTests {
    @Test func parsesTheFormsAWSSends() {
        let t0 = CredentialsFixtures.t0
        #expect(CredentialsTimestamp.parse("2026-03-14T09:00:00Z") == t0)
        #expect(CredentialsTimestamp.parse("2026-03-14T09:00:00.500Z") == t0.addingTimeInterval(0.5))
        #expect(CredentialsTimestamp.parse("2026-03-14T10:30:00+01:30") == t0)
        #expect(CredentialsTimestamp.parse("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        for bad in ["", "2026-03-14", "2026-13-14T09:00:00Z", "2026-03-14T09:00:00", "tomorrow", "2026-03-14T09:00:00Zjunk"] {
            #expect(CredentialsTimestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsUTCWholeSeconds() {
        #expect(CredentialsTimestamp.format(CredentialsFixtures.t0.addingTimeInterval(0.9)) == "2026-03-14T09:00:00Z")
        #expect(CredentialsTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }
}
