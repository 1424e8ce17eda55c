import EdgeCache
import EdgeConfig
import EdgeOrigin
import Foundation

/// Everything a request handler needs to serve one distribution from its S3 origin, built once
/// per configuration generation.
struct OriginRoute: Sendable {
    /// The distribution served: invalidations are per distribution.
    let distributionID: String
    let builder: S3RequestBuilder
    let encryption: S3ResponsePolicy.EncryptionRequirement
    let timeouts: OriginTimeouts
    let client: OriginClient
    /// nil when `signing: never`.
    let credentials: (any OriginCredentialSource)?
    /// Cache policy per behavior, in the distribution's order, its default behavior last; nil
    /// where caching is off (`max_ttl: 0`).
    let cachePolicies: [CachePolicy?]
    /// Where origin answers and failures are counted.
    let metrics: EdgeMetrics

    /// The policy of behavior `index` (`BehaviorChoice.index`).
    func cachePolicy(behavior index: Int) -> CachePolicy? {
        cachePolicies.indices.contains(index) ? cachePolicies[index] : cachePolicies.last ?? nil
    }

    var bucket: String { builder.target.bucket }
    var region: String { builder.target.region }

    /// The decision for one viewer request: a signed object request, or a local answer.
    func decide(
        method: String, target: String, headers: [(name: String, value: String)], query: [(name: String, value: String)] = []
    ) -> S3RequestDecision {
        var signingCredentials: SigV4Credentials?
        if let credentials {
            do {
                signingCredentials = try credentials.current()
            } catch {
                return .answer(status: 503, reason: "no valid AWS credentials to sign origin requests: \(error)")
            }
        }
        return builder.decide(
            method: method, requestTarget: target, viewerHeaders: headers, query: query, credentials: signingCredentials, date: Date()
        )
    }
}

/// Where signing credentials come from; they are read once per origin request, so `current()`
/// must be cheap and must never return expired credentials.
protocol OriginCredentialSource: Sendable {
    func current() throws -> SigV4Credentials
}

extension S3OriginTarget {
    /// The target of a configured origin.
    init(_ origin: OriginSettings) {
        let endpoint = origin.effectiveEndpoint
        self.init(
            scheme: endpoint.scheme.rawValue,
            authority: origin.hostHeader,
            bucket: origin.bucket,
            region: origin.region,
            addressing: origin.addressing == .virtual ? .virtual : .path,
            keyPrefix: origin.keyPrefix,
            defaultRootObject: origin.defaultRootObject
        )
    }
}
