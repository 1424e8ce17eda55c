import Foundation
import Testing

@testable import EdgeOrigin

/// No secret reaches a description, an error or a log line.
@Suite struct CredentialsRedactionTests {
    @Test func resolvedCredentialsPrintWithoutSecrets() {
        let resolved = ResolvedCredentials(
            credentials: SigV4Credentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: CredentialsFixtures.secret,
                                          sessionToken: CredentialsFixtures.sessionToken),
            expiration: CredentialsFixtures.at(60), source: .webIdentity(roleARN: "arn:aws:iam::123456789012:role/Edge")
        )
        #expect("\(resolved)" == "ASIAEXAMPLE/**** (session token ****) from web identity role "
            + "arn:aws:iam::123456789012:role/Edge, expires 2026-03-14T10:00:00Z")
        for text in CredentialsFixtures.renderings(resolved) { CredentialsFixtures.expectNoSecrets(text) }
    }

    @Test func serverTextIsMaskedAndShortened() {
        let text = CredentialsText.excerpt("denied:\n\(CredentialsFixtures.imdsToken) " + String(repeating: "x", count: 500),
                                           masking: [CredentialsFixtures.imdsToken])
        #expect(text.hasPrefix("denied: **** xxx"))
        #expect(text.count == CredentialsText.excerptLimit + 1)
        CredentialsFixtures.expectNoSecrets(text)
    }

    @Test func errorsDescribeWithoutSecrets() {
        let failure = CredentialsFailure(step: .container, reason: "r", fix: "f")
        let errors: [CredentialsError] = [
            .notFound(tried: [CredentialsAttempt(step: .environment, outcome: "not set")]),
            .sourceFailed(failure, tried: []),
            .expired(source: .container(endpoint: "http://127.0.0.1/creds"), expiration: CredentialsFixtures.t0, lastFailure: nil),
        ]
        for error in errors {
            for text in CredentialsFixtures.renderings(error) { CredentialsFixtures.expectNoSecrets(text) }
        }
        #expect("\(errors[2])".hasSuffix("no refresh has completed yet: make sure the credentials provider's run() is running"))
    }
}
