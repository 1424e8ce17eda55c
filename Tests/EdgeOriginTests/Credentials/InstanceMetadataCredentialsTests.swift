import Foundation
import Testing

@testable import EdgeOrigin

/// EC2 IMDSv2 (and the opt-in IMDSv1 fallback) against a loopback metadata service.
@Suite struct InstanceMetadataCredentialsTests {
    static let now = CredentialsFixtures.t0
    static let rolePath = "/latest/meta-data/iam/security-credentials/"

    /// An IMDS that answers `tokenStatus` to the token PUT and serves role `EdgeRole` to GETs that
    /// carry the token (or to every GET when `requiresToken` is false).
    static func imds(tokenStatus: Int = 200, requiresToken: Bool = true, keyID: @escaping @Sendable () -> String = { "ASIAIMDS" },
                     expiration: Date = CredentialsFixtures.at(360)) -> @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        { request in
            switch (request.method, request.uri) {
            case ("PUT", "/latest/api/token"):
                guard request.header("X-aws-ec2-metadata-token-ttl-seconds") != nil else { return .respond(status: 400) }
                return .respond(status: tokenStatus, body: tokenStatus == 200 ? Array(CredentialsFixtures.imdsToken.utf8) : [])
            case ("GET", _):
                if requiresToken && request.header("X-aws-ec2-metadata-token") != CredentialsFixtures.imdsToken {
                    return .respond(status: 401)
                }
                if request.uri == rolePath { return .respond(status: 200, body: Array("EdgeRole\n".utf8)) }
                if request.uri == rolePath + "EdgeRole" {
                    return .respond(status: 200, body: CredentialsFixtures.metadataJSON(keyID: keyID(), expiration: expiration))
                }
                return .respond(status: 404)
            default:
                return .respond(status: 405)
            }
        }
    }

    static func chain(_ imds: LoopbackHTTPServer, home: TemporaryDirectory, allowsV1: Bool = false) -> CredentialsChain {
        CredentialsFixtures.chain(["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.baseURL], home: home, allowsV1: allowsV1)
    }

    @Test func tokenThenRoleThenCredentialsWithTheTokenHeader() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.imds()) { imds in
                let resolved = try await Self.chain(imds, home: home).resolve(now: Self.now)
                #expect(resolved.credentials == SigV4Credentials(
                    accessKeyID: "ASIAIMDS", secretAccessKey: CredentialsFixtures.secret, sessionToken: CredentialsFixtures.sessionToken
                ))
                #expect(resolved.expiration == CredentialsFixtures.at(360))
                #expect("credentials from \(resolved.source)" == "credentials from instance profile EdgeRole")

                let requests = imds.requests
                #expect(requests.map { "\($0.method) \($0.uri)" } == [
                    "PUT /latest/api/token", "GET \(Self.rolePath)", "GET \(Self.rolePath)EdgeRole",
                ])
                #expect(requests.first?.header("X-aws-ec2-metadata-token-ttl-seconds") == "21600")
                #expect(requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == CredentialsFixtures.imdsToken })
            }
        }
    }

    @Test(arguments: [401, 403])
    func noIMDSv1FallbackByDefault(status: Int) async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.imds(tokenStatus: status, requiresToken: false)) { imds in
                let chain = Self.chain(imds, home: home)
                let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.hasPrefix("could not load AWS credentials from EC2 instance metadata (IMDS): IMDS at \(imds.baseURL) "
                    + "refused a session token (PUT /latest/api/token answered \(status)) and the IMDSv1 fallback is off. Fix: "))
                #expect(imds.requests.map(\.method) == ["PUT"])
            }
        }
    }

    @Test func imdsV1FallbackWhenConfigured() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.imds(tokenStatus: 403, requiresToken: false)) { imds in
                let resolved = try await Self.chain(imds, home: home, allowsV1: true).resolve(now: Self.now)
                #expect(resolved.credentials.accessKeyID == "ASIAIMDS")
                #expect(imds.requests.map { "\($0.method) \($0.uri)" } == [
                    "PUT /latest/api/token", "GET \(Self.rolePath)", "GET \(Self.rolePath)EdgeRole",
                ])
                #expect(imds.requests.allSatisfy { $0.header("X-aws-ec2-metadata-token") == nil })
            }
        }
    }

    @Test func disabledByTheEnvironment() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.imds()) { imds in
                let chain = CredentialsFixtures.chain(
                    ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.baseURL, "AWS_EC2_METADATA_DISABLED": "TRUE"], home: home
                )
                await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                #expect(imds.requests.isEmpty)
            }
        }
    }

    @Test func nothingListeningMeansNotOnEC2() async throws {
        try await withTemporaryHome { home in
            let closed = try await LoopbackHTTPServer { _ in .closeImmediately }
            let endpoint = closed.baseURL
            try await closed.shutdown()
            let chain = CredentialsFixtures.chain(["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint], home: home)
            let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
            guard case .notFound(let tried)? = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(tried.last?.step == .instanceMetadata)
            #expect(tried.last?.outcome.hasPrefix("no instance metadata service at \(endpoint) (") == true)
            #expect(tried.last?.outcome.hasSuffix("): not an EC2 instance") == true)
        }
    }

    @Test func aSilentEndpointFailsWithinTheTimeout() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer({ _ in .noResponse(afterDelay: nil) }) { imds in
                let chain = CredentialsChain(configuration: CredentialsChainConfiguration(
                    environment: CredentialsEnvironment(variables: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.baseURL], homeDirectory: home.path),
                    metadataTimeouts: CredentialsHTTPTimeouts(connect: .milliseconds(200), total: .milliseconds(300))
                ))
                let started = ContinuousClock.now
                let error = await #expect(throws: CredentialsError.self) { try await chain.resolve(now: Self.now) }
                // The endpoint never answers: only the 300 ms timeout can end this. The bound is loose
                // because a loaded 2-core CI machine resumes tasks late; a hang would never end.
                #expect(ContinuousClock.now - started < .seconds(15))
                guard case .notFound(let tried)? = error else {
                    Issue.record("expected notFound, got \(String(describing: error))")
                    return
                }
                #expect(tried.last?.outcome.contains("the instance's metadata hop limit is 1") == true)
            }
        }
    }

    @Test func noInstanceProfileIsListedAsNotFound() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer({ request in
                request.method == "PUT" ? .respond(status: 200, body: Array("tok".utf8)) : .respond(status: 404)
            }) { imds in
                let error = await #expect(throws: CredentialsError.self) { try await Self.chain(imds, home: home).resolve(now: Self.now) }
                #expect(error.map { "\($0)" }?.contains("EC2 instance metadata (IMDS): IMDS at \(imds.baseURL) answered 404 for the role "
                    + "list: no instance profile is attached to this instance. Fix: set AWS_ACCESS_KEY_ID") == true)
            }
        }
    }

    @Test func credentialsAlreadyExpiredByTheLocalClockAreRefused() async throws {
        try await withTemporaryHome { home in
            try await withLoopbackServer(Self.imds(expiration: CredentialsFixtures.at(-5))) { imds in
                let error = await #expect(throws: CredentialsError.self) { try await Self.chain(imds, home: home).resolve(now: Self.now) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.contains("instance profile EdgeRole returned credentials that expire at 2026-03-14T08:55:00Z, already past "
                    + "by this machine's clock (2026-03-14T09:00:00Z). Fix: check the system clock"))
                CredentialsFixtures.expectNoSecrets(text)
            }
        }
    }
}
