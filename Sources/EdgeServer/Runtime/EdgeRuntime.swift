import EdgeConfig
import EdgeSignedURL
import EdgeTLS
import NIOConcurrencyHelpers

/// One generation of everything a new connection needs: the configuration and the TLS context
/// built from it. A reload builds a new generation; connections keep the one they started with.
public struct EdgeRuntime: Sendable {
    public let configuration: EdgeConfiguration
    public let tls: TLSContext
    public let generation: Int
    /// Distribution id → how to reach its origin; absent for distributions without one.
    let routes: [String: OriginRoute]
    /// The edge cache, opened once at start and shared by every generation.
    let cache: ViewerCache
    /// Distribution id → the public keys its restricted behaviors accept (parsed once per
    /// generation, with their cache of verified signatures); absent without `trusted_keys`.
    let trustedKeys: [String: TrustedKeyStore]

    public init(configuration: EdgeConfiguration, origins: OriginServices, cache: ViewerCache, generation: Int = 1) throws {
        self.configuration = configuration
        self.tls = try TLSContext(configuration: TLSServerConfiguration(configuration))
        self.routes = try origins.routes(for: configuration)
        self.cache = cache
        var stores: [String: TrustedKeyStore] = [:]
        for distribution in configuration.distributions where !distribution.trustedKeys.isEmpty {
            stores[distribution.id] = try TrustedKeyStore(distribution.trustedKeys.map { key throws(TrustedKeyError) in
                try TrustedKey(id: key.id, pemFile: key.publicKeyPath)
            })
        }
        self.trustedKeys = stores
        self.generation = generation
    }
}

/// The current generation, read by every accepted connection and replaced by reloads.
public final class RuntimeSlot: Sendable {
    private let box: NIOLockedValueBox<EdgeRuntime>

    public init(_ runtime: EdgeRuntime) {
        box = NIOLockedValueBox(runtime)
    }

    public var current: EdgeRuntime { box.withLockedValue { $0 } }

    public func replace(with runtime: EdgeRuntime) {
        box.withLockedValue { $0 = runtime }
    }
}

extension TLSServerConfiguration {
    /// The TLS part of an s3edge configuration file.
    public init(_ configuration: EdgeConfiguration) {
        let tls = configuration.tls
        self.init(
            policy: TLSSecurityPolicy.named(tls.securityPolicy.rawValue) ?? .tls12_2021,
            minimumVersion: tls.minVersion == .tls13 ? .tls13 : .tls12,
            cipherList: tls.ciphers,
            cipherSuites: tls.ciphersuites,
            certificates: tls.certificates.map { .init(certificatePath: $0.certificatePath, keyPath: $0.keyPath) },
            sessionTimeoutSeconds: Int(tls.sessionTimeout.components.seconds)
        )
    }
}
