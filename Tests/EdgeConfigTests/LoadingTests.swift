import Foundation
import Testing

@testable import EdgeConfig

@Suite("Loading valid configurations")
struct LoadingTests {
    @Test("the shipped example config loads without errors or warnings")
    func exampleConfig() throws {
        let path = packageRoot() + "/config/s3edge.example.yaml"
        let (configuration, warnings) = try ConfigLoader.load(path: path)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(configuration.listen.https.map(\.description) == ["0.0.0.0:443", "[::]:443"])
        #expect(configuration.listen.http.map(\.description) == ["0.0.0.0:80", "[::]:80"])
        #expect(configuration.listen.admin?.description == "127.0.0.1:9180")
        #expect(configuration.tls.certificates.first?.certificatePath == "/etc/s3edge/tls/example.com.pem")
        #expect(configuration.viewer.hsts?.headerValue == "max-age=31536000; includeSubDomains")
        #expect(configuration.distributions.map(\.id) == ["E2EXAMPLE", "E3ASSETS"])
    }

    @Test("omitted optional sections get their documented defaults")
    func defaults() throws {
        let (configuration, warnings) = try load(withRequired(""))
        #expect(warnings.isEmpty)
        #expect(configuration.listen == ListenConfiguration(https: [ListenAddress(host: "0.0.0.0", port: 443)]))
        #expect(configuration.tls.minVersion == .tls12)
        #expect(configuration.tls.securityPolicy == .tls12_2021)
        #expect(configuration.tls.ciphers == nil && configuration.tls.ciphersuites == nil)
        #expect(configuration.tls.sessionTimeout == .seconds(300))
        #expect(configuration.tls.handshakeTimeout == .seconds(10))
        #expect(configuration.viewer == ViewerSettings(protocolPolicy: .redirectToHTTPS, hsts: nil))
        #expect(configuration.limits == LimitSettings())
        #expect(configuration.limits.maxHeaderSize == 16384)
        #expect(configuration.limits.headerTimeout == .seconds(10))
        #expect(configuration.limits.idleTimeout == .seconds(60))
        #expect(configuration.limits.maxConnections == 10000)
        #expect(configuration.limits.http2MaxConcurrentStreams == 128)
        #expect(configuration.limits.drainTimeout == .seconds(30))
        #expect(configuration.log.level == .info)
    }

    @Test("every key is read into the typed configuration, with its line")
    func fullConfiguration() throws {
        let (configuration, _) = try load(
            """
            listen:
              https: ["127.0.0.1:8443", "[::1]:8443"]
              http: "127.0.0.1:8080"
              admin: "[::1]:9180"
            tls:
              min_version: tlsv1.3
              security_policy: TLSv1.2_2019
              ciphers: "ECDHE-RSA-AES128-GCM-SHA256"
              ciphersuites: TLS_AES_128_GCM_SHA256
              session_timeout: 1h
              handshake_timeout: 2500ms
              certificates:
                - cert: tls/site.pem
                  key: /keys/site.key
            viewer:
              protocol_policy: https-only
              hsts:
                max_age: 63072000
                include_subdomains: on
                preload: yes
            limits:
              max_header_size: 32k
              header_timeout: 5
              idle_timeout: 2m
              max_connections: 500
              http2_max_concurrent_streams: 64
              drain_timeout: 1m30s
            log:
              level: DEBUG
            distributions:
              - id: E2EXAMPLE
                hostnames: Cdn.Example.COM.
            """)
        let listen = configuration.listen
        #expect(listen.https == [ListenAddress(host: "127.0.0.1", port: 8443), ListenAddress(host: "::1", port: 8443)])
        #expect(listen.https.map(\.line) == [2, 2])
        #expect(listen.http == [ListenAddress(host: "127.0.0.1", port: 8080)])
        #expect(listen.admin == ListenAddress(host: "::1", port: 9180, line: 4))
        let tls = configuration.tls
        #expect(tls.minVersion == .tls13 && tls.minVersionLine == 6 && tls.line == 5)
        #expect(tls.securityPolicy == .tls12_2019)
        #expect(tls.ciphers == "ECDHE-RSA-AES128-GCM-SHA256")
        #expect(tls.ciphersuites == "TLS_AES_128_GCM_SHA256")
        #expect(tls.sessionTimeout == .seconds(3600) && tls.handshakeTimeout == .milliseconds(2500))
        #expect(
            tls.certificates == [
                CertificateSettings(
                    certificatePath: "/etc/s3edge/tls/site.pem", keyPath: "/keys/site.key",
                    certificateLine: 13, keyLine: 14)
            ])
        #expect(configuration.viewer.protocolPolicy == .httpsOnly)
        #expect(configuration.viewer.hsts == HSTSSettings(maxAge: 63_072_000, includeSubdomains: true, preload: true))
        #expect(configuration.viewer.hsts?.headerValue == "max-age=63072000; includeSubDomains; preload")
        #expect(
            configuration.limits
                == LimitSettings(
                    maxHeaderSize: 32768, headerTimeout: .seconds(5), idleTimeout: .seconds(120),
                    maxConnections: 500, http2MaxConcurrentStreams: 64, drainTimeout: .seconds(90)))
        #expect(configuration.log.level == .debug)
        #expect(configuration.distributions == [Distribution(id: "E2EXAMPLE", hostnames: ["cdn.example.com"], line: 31)])
    }

    @Test("load(path:) resolves relative certificate paths against the file's directory")
    func loadFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "valid", withExtension: "yaml", subdirectory: "Fixtures"))
        let (configuration, warnings) = try ConfigLoader.load(path: url.path)
        let directory = url.deletingLastPathComponent().path
        #expect(warnings.isEmpty)
        #expect(configuration.tls.certificates.map(\.certificatePath) == [directory + "/tls/site.pem"])
        #expect(configuration.tls.certificates.map(\.keyPath) == ["/etc/s3edge/tls/site.key"])
    }

    @Test("load(path:) reports a broken fixture with the path as given")
    func loadBrokenFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "broken", withExtension: "yaml", subdirectory: "Fixtures"))
        #expect(throws: ConfigLoadError.self) { try ConfigLoader.load(path: url.path) }
        do {
            _ = try ConfigLoader.load(path: url.path)
        } catch {
            #expect(error.description == "\(url.path):5: YAML syntax error: did not find expected ',' or ']' "
                + "(while parsing a flow sequence at line 4)")
        }
    }

    @Test("a missing file is one diagnostic without a line")
    func missingFile() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/s3edge.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "/nonexistent/s3edge.yaml: cannot open the configuration file: no such file")
        }
    }

    @Test("relative paths are normalised")
    func pathResolution() {
        #expect(resolvePath("tls/a.pem", against: "/etc/s3edge") == "/etc/s3edge/tls/a.pem")
        #expect(resolvePath("./a.pem", against: "/etc/s3edge/") == "/etc/s3edge/a.pem")
        #expect(resolvePath("../tls/a.pem", against: "/etc/s3edge") == "/etc/tls/a.pem")
        #expect(resolvePath("/abs/a.pem", against: "/etc/s3edge") == "/abs/a.pem")
        #expect(resolvePath("../a.pem", against: "conf") == "a.pem")
        #expect(resolvePath("../../a.pem", against: "conf") == "../a.pem")
        #expect(directory(of: "/etc/s3edge/s3edge.yaml") == "/etc/s3edge")
        #expect(directory(of: "/s3edge.yaml") == "/")
    }
}
