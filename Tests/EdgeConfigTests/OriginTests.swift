import Foundation
import Testing

@testable import EdgeConfig

/// One distribution whose `origin:` mapping is `body` (indented six spaces),
/// plus the other required sections. `origin:` is on line 4, so the first
/// line of `body` is line 5.
func originYAML(_ body: String) -> String {
    withRequired("distributions:\n  - id: E1\n    hostnames: [cdn.example.com]\n    origin:\n" + body)
}

/// The origin of the only distribution in `yaml`, which must load.
func loadOrigin(_ yaml: String) throws -> (OriginSettings, warnings: [String]) {
    let (configuration, warnings) = try load(yaml)
    return (try #require(configuration.distributions.first?.origin), warnings)
}

@Suite("distribution origin: decoding and defaults")
struct OriginTests {
    @Test("bucket and region alone get every documented default")
    func defaults() throws {
        let (origin, warnings) = try loadOrigin(originYAML("      bucket: myapp-assets\n      region: eu-west-2\n"))
        #expect(warnings.isEmpty)
        #expect(origin == OriginSettings(bucket: "myapp-assets", region: "eu-west-2", line: 4))
        #expect(origin.type == .s3)
        #expect(origin.endpoint == nil)
        #expect(origin.addressing == .virtual)
        #expect(origin.keyPrefix == "" && origin.defaultRootObject == "")
        #expect(origin.signing == .always)
        #expect(origin.credentials == .defaultChain)
        #expect(origin.requireSSEKMS == .anyKMSKey)
        #expect(origin.connectTimeout == .seconds(5))
        #expect(origin.firstByteTimeout == .seconds(30))
        #expect(origin.idleTimeout == .seconds(30))
        #expect(origin.totalTimeout == .seconds(300))
        #expect(origin.caFile == nil)
        #expect(origin.maxConnections == 64)
        #expect(origin.retries == 2)
        #expect(origin.effectiveEndpoint.description == "https://s3.eu-west-2.amazonaws.com")
        #expect(origin.hostHeader == "myapp-assets.s3.eu-west-2.amazonaws.com")
        #expect(origin.basePath == "")
    }

    @Test("a distribution without origin has none (requests get 503)")
    func noOrigin() throws {
        let (configuration, _) = try load(withRequired(""))
        #expect(configuration.distributions.map(\.origin) == [nil])
        #expect(Distribution(id: "E1", hostnames: ["a.example.com"], line: 3).origin == nil)
    }

    @Test("every key is read into the typed settings")
    func everyKey() throws {
        let (origin, warnings) = try loadOrigin(
            originYAML(
                """
                      type: S3
                      bucket: myapp-dev-private-assets-123456
                      region: eu-west-2
                      endpoint: https://s3.dualstack.eu-west-2.amazonaws.com/
                      addressing: path
                      key_prefix: "site/"
                      signing: always
                      credentials: { profile: media-reader }
                      require_sse_kms: arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
                      default_root_object: index.html
                      connect_timeout: 2s
                      first_byte_timeout: 10s
                      idle_timeout: 15s
                      total_timeout: 10m
                      max_connections: 16
                      retries: 0

                """))
        #expect(warnings.isEmpty)
        #expect(
            origin
                == OriginSettings(
                    bucket: "myapp-dev-private-assets-123456", region: "eu-west-2",
                    endpoint: OriginEndpoint(scheme: .https, host: "s3.dualstack.eu-west-2.amazonaws.com"),
                    addressing: .path, keyPrefix: "site/", signing: .always, credentials: .profile("media-reader"),
                    requireSSEKMS: .key("arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                    defaultRootObject: "index.html", connectTimeout: .seconds(2), firstByteTimeout: .seconds(10),
                    idleTimeout: .seconds(15), totalTimeout: .seconds(600), maxConnections: 16, retries: 0, line: 4))
        #expect(origin.hostHeader == "s3.dualstack.eu-west-2.amazonaws.com")
        #expect(origin.basePath == "/myapp-dev-private-assets-123456")
    }

    @Test("a local test store: path addressing by default, the port kept, http warned about")
    func localStore() throws {
        let (origin, warnings) = try loadOrigin(
            originYAML(
                "      bucket: test-bucket\n      region: us-east-1\n      endpoint: http://127.0.0.1:9000\n"
                    + "      require_sse_kms: false\n"))
        #expect(warnings == [
            "s3edge.yaml:7: warning: distributions[0].origin.endpoint: plain http to the origin: only for local "
                + "testing; objects and signed requests travel unencrypted, use https://"
        ])
        #expect(origin.endpoint == OriginEndpoint(scheme: .http, host: "127.0.0.1", port: 9000))
        #expect(origin.addressing == .path)
        #expect(origin.hostHeader == "127.0.0.1:9000")
        #expect(origin.basePath == "/test-bucket")
        #expect(origin.host(forAddressing: .virtual) == "test-bucket.127.0.0.1:9000")
    }

    @Test("other stores default to path addressing; virtual can be chosen when the host has no port")
    func customStoreAddressing() throws {
        let body = "      bucket: media\n      region: auto\n      endpoint: https://ACCOUNT.r2.cloudflarestorage.com\n"
        let (pathOrigin, _) = try loadOrigin(originYAML(body))
        #expect(pathOrigin.addressing == .path)
        #expect(pathOrigin.hostHeader == "account.r2.cloudflarestorage.com")
        #expect(pathOrigin.basePath == "/media")
        let (virtualOrigin, warnings) = try loadOrigin(originYAML(body + "      addressing: virtual\n"))
        #expect(warnings.isEmpty)
        #expect(virtualOrigin.hostHeader == "media.account.r2.cloudflarestorage.com")
        #expect(virtualOrigin.basePath == "")
    }

    @Test("endpoint URLs: default ports dropped, IPv6 bracketed, case folded")
    func endpointForms() throws {
        #expect(try OriginEndpoint.parse("HTTPS://S3.EU-WEST-2.amazonaws.com:443").get()
            == OriginEndpoint(scheme: .https, host: "s3.eu-west-2.amazonaws.com"))
        let v6 = try OriginEndpoint.parse("http://[0:0::1]:9000").get()
        #expect(v6 == OriginEndpoint(scheme: .http, host: "::1", port: 9000))
        #expect(v6.authority == "[::1]:9000" && v6.description == "http://[::1]:9000")
        #expect(v6.isIPAddress && !v6.supportsVirtualAddressing)
        #expect(OriginEndpoint(scheme: .http, host: "localhost", port: 80).port == nil)
        #expect(!OriginEndpoint(scheme: .http, host: "localhost").supportsVirtualAddressing)
        #expect(OriginEndpoint(scheme: .https, host: "s3.amazonaws.com", port: 8443).effectivePort == 8443)
    }

    @Test("the default endpoint follows the region, including China's domain")
    func defaultEndpoints() {
        #expect(OriginSettings(bucket: "b-1", region: "us-gov-west-1").effectiveEndpoint.description
            == "https://s3.us-gov-west-1.amazonaws.com")
        let china = OriginSettings(bucket: "b-1", region: "cn-north-1")
        #expect(china.effectiveEndpoint.description == "https://s3.cn-north-1.amazonaws.com.cn")
        #expect(china.host(forAddressing: .virtual) == "b-1.s3.cn-north-1.amazonaws.com.cn")
        #expect(china.host(forAddressing: .path) == "s3.cn-north-1.amazonaws.com.cn")
        #expect(OriginSettings.defaultAddressing(for: nil) == .virtual)
        #expect(OriginSettings.defaultAddressing(for: OriginEndpoint(scheme: .https, host: "minio.internal")) == .path)
    }

    @Test("ca_file is resolved against the configuration file's directory and must be readable")
    func caFileFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "origin", withExtension: "yaml", subdirectory: "Fixtures"))
        let (configuration, warnings) = try ConfigLoader.load(path: url.path)
        #expect(warnings.isEmpty, "\(warnings)")
        let origin = try #require(configuration.distributions.first?.origin)
        #expect(origin.caFile == url.deletingLastPathComponent().path + "/origin-ca.pem")
        #expect(origin.addressing == .path)
        #expect(origin.hostHeader == "minio.test:9000")
    }

    @Test("the shipped example's origin is read as documented")
    func exampleConfig() throws {
        let (configuration, warnings) = try ConfigLoader.load(path: packageRoot() + "/config/s3edge.example.yaml")
        #expect(warnings.isEmpty, "\(warnings)")
        let origins = configuration.distributions.map(\.origin)
        #expect(origins.count == 2)
        let example = try #require(origins[0])
        #expect(
            example
                == OriginSettings(
                    bucket: "myapp-dev-private-assets-123456", region: "eu-west-2",
                    endpoint: OriginEndpoint(scheme: .https, host: "s3.eu-west-2.amazonaws.com"),
                    addressing: .virtual, line: example.line))
        let assets = try #require(origins[1])
        #expect(assets.bucket == "example-net-assets" && assets.region == "us-east-1")
        #expect(assets.keyPrefix == "public/" && assets.defaultRootObject == "index.html")
    }
}
