/// How the origin client connects and retries. Defaults suit one S3 bucket endpoint.
public struct OriginClientConfiguration: Sendable {
    /// PEM file of CA certificates to trust instead of the system store (`CURLOPT_CAINFO`).
    /// Verification of the peer and its host name is always on.
    public var caFile: String?
    /// Most connections open to one host at once; further requests wait for a free one
    /// (`CURLMOPT_MAX_HOST_CONNECTIONS`).
    public var maxConnectionsPerHost: Int
    /// Idle connections kept for reuse, across all hosts (`CURLMOPT_MAXCONNECTS`).
    public var maxIdleConnections: Int
    public var retry: OriginRetryPolicy
    /// Body bytes that may be handed to the event loop without the delegate acknowledging them
    /// (`OriginFetch.demandMore()`) before the transfer pauses. Two cache chunks by default.
    public var bodyBufferLimit: Int

    public init(caFile: String? = nil, maxConnectionsPerHost: Int = 32, maxIdleConnections: Int = 64,
                retry: OriginRetryPolicy = OriginRetryPolicy(), bodyBufferLimit: Int = 2 * 256 * 1024) {
        self.caFile = caFile
        self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
        self.maxIdleConnections = max(1, maxIdleConnections)
        self.retry = retry
        self.bodyBufferLimit = max(16 * 1024, bodyBufferLimit)
    }
}

/// Retries of requests whose connection failed before the origin sent any response byte
/// (refused, DNS failure, reset or closed without an answer). A request is never retried once a
/// response byte arrived, so the delegate never sees two heads.
public struct OriginRetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (clamped to 1...5).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubled for each further one, capped at `maxDelay`.
    /// Each delay is scaled by a random factor in [0.5, 1) so that many fetches failing
    /// together do not retry in lockstep.
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(20), maxDelay: Duration = .milliseconds(250)) {
        self.maxAttempts = min(max(maxAttempts, 1), 5)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt number `attempt` (2 or more); `jitter` is a random number in [0, 1).
    func delay(beforeAttempt attempt: Int, jitter: Double) -> Duration {
        let doubled = baseDelay * (1 << min(max(attempt - 2, 0), 16))
        return min(doubled, maxDelay) * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
