import EdgeCache
import EdgeConfig
import EdgeOrigin
import Logging
import NIOConcurrencyHelpers

/// Process-wide origin machinery shared by configuration generations: libcurl clients (each a
/// thread and a connection pool) and credential sources, created on first use and kept, so a
/// reload does not drop warm origin connections or re-resolve credentials it already has.
public final class OriginServices: Sendable {
    private struct ClientKey: Hashable {
        var caFile: String?
        var maxConnections: Int
        var retries: Int
    }

    private let clients = NIOLockedValueBox<[ClientKey: OriginClient]>([:])
    private let credentials: CredentialSources
    private let logger: Logger
    private let metrics: EdgeMetrics

    public init(logger: Logger, credentials: CredentialSources, metrics: EdgeMetrics = EdgeMetrics()) {
        self.logger = logger
        self.credentials = credentials
        self.metrics = metrics
    }

    /// Resolves what the configuration's origins sign with; call before building a runtime.
    public func prepare(for configuration: EdgeConfiguration) async throws {
        try await credentials.prepare(for: configuration)
    }

    /// One route per distribution that has an origin.
    func routes(for configuration: EdgeConfiguration) throws -> [String: OriginRoute] {
        var routes: [String: OriginRoute] = [:]
        for distribution in configuration.distributions {
            guard let origin = distribution.origin else { continue }
            routes[distribution.id] = try route(
                for: origin, distributionID: distribution.id,
                cachePolicies: (distribution.behaviors + [distribution.defaultBehavior]).map { CachePolicy($0) })
        }
        return routes
    }

    private func route(for origin: OriginSettings, distributionID: String, cachePolicies: [CachePolicy?]) throws -> OriginRoute {
        let key = ClientKey(caFile: origin.caFile, maxConnections: origin.maxConnections, retries: origin.retries)
        let client = try clients.withLockedValue { clients in
            if let existing = clients[key] { return existing }
            let created = try OriginClient(
                configuration: OriginClientConfiguration(
                    caFile: origin.caFile,
                    maxConnectionsPerHost: origin.maxConnections,
                    retry: OriginRetryPolicy(maxAttempts: origin.retries + 1)
                ),
                logger: logger
            )
            clients[key] = created
            return created
        }
        let signing = origin.signing != .never
        let encryption: S3ResponsePolicy.EncryptionRequirement = switch origin.requireSSEKMS {
        case .off: .none
        case .anyKMSKey: .anyKMSKey
        case .key(let arn): .kmsKey(arn)
        }
        return OriginRoute(
            distributionID: distributionID,
            builder: S3RequestBuilder(target: S3OriginTarget(origin), signer: signing ? SigV4Signer(region: origin.region) : nil),
            encryption: encryption,
            timeouts: OriginTimeouts(
                connect: origin.connectTimeout, firstByte: origin.firstByteTimeout,
                idle: origin.idleTimeout, total: origin.totalTimeout
            ),
            client: client,
            credentials: signing ? try credentials.source(for: origin.credentials) : nil,
            cachePolicies: cachePolicies,
            metrics: metrics
        )
    }

    /// Stops every origin thread (after the drain).
    public func shutdown() {
        let all = clients.withLockedValue { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        all.forEach { $0.shutdown() }
        credentials.shutdown()
    }
}
