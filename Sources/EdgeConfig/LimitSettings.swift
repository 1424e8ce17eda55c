/// Section `limits:`: protection against slow, oversized or too many
/// connections. Every key is optional; the defaults suit a public edge.
public struct LimitSettings: Sendable, Equatable {
    /// `max_header_size`, default 16384 bytes (16 KiB): the largest request head
    /// (request line plus headers). Larger requests get 431. Written as bytes or
    /// with a unit: 16384, "16KiB", "16k"; allowed 1 KiB to 1 MiB.
    public var maxHeaderSize: Int
    /// `header_timeout`, default 10s: time from the first byte of a request head
    /// to its end, so slowloris clients trickling headers are cut off.
    public var headerTimeout: Duration
    /// `idle_timeout`, default 60s: how long a keep-alive connection may sit
    /// idle between requests, like nginx's keepalive_timeout.
    public var idleTimeout: Duration
    /// `max_connections`, default 10000: open viewer connections across all
    /// listeners; beyond it new connections are refused instead of exhausting
    /// file descriptors.
    public var maxConnections: Int
    /// `http2_max_concurrent_streams`, default 128: streams one HTTP/2
    /// connection may have open (nginx's default too).
    public var http2MaxConcurrentStreams: Int
    /// `drain_timeout`, default 30s: on SIGTERM, how long in-flight requests
    /// may finish before connections are closed (systemd's stop timeout should
    /// be longer).
    public var drainTimeout: Duration

    public init(
        maxHeaderSize: Int = 16384,
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 10000,
        http2MaxConcurrentStreams: Int = 128,
        drainTimeout: Duration = .seconds(30)
    ) {
        self.maxHeaderSize = maxHeaderSize
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.http2MaxConcurrentStreams = http2MaxConcurrentStreams
        self.drainTimeout = drainTimeout
    }

    /// Accepted range of `max_header_size`: below 1 KiB ordinary browsers
    /// fail, above 1 MiB a few connections could hold a lot of memory.
    public static let maxHeaderSizeRange = 1024...1_048_576
}

/// Severity threshold for log messages, matching swift-log's levels.
public enum LogLevelName: String, Sendable, Equatable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// Section `log:`.
public struct LogSettings: Sendable, Equatable {
    /// `level`, default info: one line per notable event without per-request
    /// noise (access logging is separate).
    public var level: LogLevelName

    public init(level: LogLevelName = .info) {
        self.level = level
    }
}
