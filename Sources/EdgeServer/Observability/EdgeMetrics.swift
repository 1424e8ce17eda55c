import CoreMetrics
import EdgeStore
import Prometheus
import Synchronization

/// What the edge counts, exported on the admin listener's `/metrics` in Prometheus' text format.
///
/// Metrics are made through swift-metrics with a `PrometheusMetricsFactory` over this object's
/// own registry (not the process-wide bootstrap, so tests and a second server in one process
/// do not share counters). Handles are made once and cached: a request costs a dictionary
/// lookup under a short lock and a few atomic adds, never a registry walk.
///
/// Names follow Prometheus' conventions (`_total` counters, base units): see
/// docs/observability.md for the list.
public final class EdgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private let requests = Mutex<[RequestLabels: CoreMetrics.Counter]>([:])
    private let handshakes = Mutex<[String: CoreMetrics.Counter]>([:])
    private let originResponses = Mutex<[Int: CoreMetrics.Counter]>([:])
    let responseBytes: CoreMetrics.Counter
    let requestDuration: CoreMetrics.Timer
    let originErrors: CoreMetrics.Counter
    let invalidations: CoreMetrics.Counter
    let invalidationPaths: CoreMetrics.Counter
    /// Entries dropped because they failed to decrypt or authenticate.
    let cacheDecryptFailures: CoreMetrics.Counter
    /// KMS calls for the cache's data key that failed (each retry counts).
    let kmsFailures: CoreMetrics.Counter
    /// 1 when the cache can be used (stored in clear, or its data key is installed), 0 while
    /// requests pass through waiting for KMS.
    private let cacheKeyReady: CoreMetrics.Gauge
    private let cacheBytes: CoreMetrics.Gauge
    private let cacheMaxBytes: CoreMetrics.Gauge
    private let cacheEntries: CoreMetrics.Gauge
    private let cacheEvictions: CoreMetrics.Counter
    private let evictionsReported = Mutex<Int>(0)

    /// Request duration buckets: hits take well under a millisecond, misses up to the origin's
    /// timeouts.
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = ["s3edge_request_duration_seconds": Self.durationBuckets]
        self.registry = registry
        self.factory = factory
        responseBytes = CoreMetrics.Counter(label: "s3edge_response_bytes_total", factory: factory)
        requestDuration = CoreMetrics.Timer(label: "s3edge_request_duration_seconds", factory: factory)
        originErrors = CoreMetrics.Counter(label: "s3edge_origin_errors_total", factory: factory)
        invalidations = CoreMetrics.Counter(label: "s3edge_invalidations_total", factory: factory)
        invalidationPaths = CoreMetrics.Counter(label: "s3edge_invalidation_paths_total", factory: factory)
        cacheDecryptFailures = CoreMetrics.Counter(label: "s3edge_cache_unreadable_entries_total", factory: factory)
        kmsFailures = CoreMetrics.Counter(label: "s3edge_cache_kms_failures_total", factory: factory)
        cacheKeyReady = CoreMetrics.Gauge(label: "s3edge_cache_key_ready", factory: factory)
        cacheBytes = CoreMetrics.Gauge(label: "s3edge_cache_bytes", factory: factory)
        cacheMaxBytes = CoreMetrics.Gauge(label: "s3edge_cache_max_bytes", factory: factory)
        cacheEntries = CoreMetrics.Gauge(label: "s3edge_cache_entries", factory: factory)
        cacheEvictions = CoreMetrics.Counter(label: "s3edge_cache_evictions_total", factory: factory)
    }

    /// A cache entry dropped because it failed to decrypt or authenticate.
    public func recordUnreadableCacheEntry() {
        cacheDecryptFailures.increment()
    }

    func setCacheKeyReady(_ ready: Bool) {
        cacheKeyReady.record(ready ? 1 : 0)
    }

    /// Labels of `s3edge_requests_total`.
    struct RequestLabels: Hashable {
        var status: Int
        /// CloudFront's edge result type: Hit, RefreshHit, Miss, Error, Redirect, or "-".
        var result: String
        /// "h1" or "h2".
        var protocolName: String
    }

    /// One viewer request answered.
    func recordRequest(status: Int, result: String, protocolName: String, bytes: Int, duration: Duration) {
        let labels = RequestLabels(status: status, result: result, protocolName: protocolName)
        let counter = requests.withLock { table in
            if let counter = table[labels] { return counter }
            let counter = CoreMetrics.Counter(label: "s3edge_requests_total", dimensions: [
                ("status", String(status)), ("cache", result), ("protocol", protocolName),
            ], factory: factory)
            table[labels] = counter
            return counter
        }
        counter.increment()
        if bytes > 0 { responseBytes.increment(by: bytes) }
        requestDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// A completed TLS handshake on a viewer listener.
    func recordHandshake(version: String) {
        handshakes.withLock { table in
            if let counter = table[version] { return counter }
            let counter = CoreMetrics.Counter(label: "s3edge_tls_handshakes_total", dimensions: [("version", version)], factory: factory)
            table[version] = counter
            return counter
        }.increment()
    }

    /// An origin answered with `status` (any status: 200, 304, 404, 503…).
    func recordOriginResponse(status: Int) {
        originResponses.withLock { table in
            if let counter = table[status] { return counter }
            let counter = CoreMetrics.Counter(label: "s3edge_origin_responses_total", dimensions: [("status", String(status))], factory: factory)
            table[status] = counter
            return counter
        }.increment()
    }

    /// The Prometheus text exposition, with the cache gauges read as of now.
    public func render(cache usage: StoreUsage?) -> [UInt8] {
        if let usage {
            cacheBytes.record(usage.usedBytes)
            cacheMaxBytes.record(usage.maxSize)
            cacheEntries.record(usage.entryCount)
            let newEvictions = evictionsReported.withLock { reported -> Int in
                defer { reported = max(reported, usage.evictedEntries) }
                return max(0, usage.evictedEntries - reported)
            }
            if newEvictions > 0 { cacheEvictions.increment(by: newEvictions) }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
