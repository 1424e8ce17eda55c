/// The whole validated configuration file. Build one with `ConfigLoader`, or
/// directly in tests.
public struct EdgeConfiguration: Sendable, Equatable {
    /// Section `listen:` (required).
    public var listen: ListenConfiguration
    /// Section `tls:` (required: the edge only terminates HTTPS it has keys for).
    public var tls: TLSSettings
    /// Section `viewer:` (optional; defaults redirect HTTP to HTTPS, no HSTS).
    public var viewer: ViewerSettings
    /// Section `limits:` (optional; see `LimitSettings` for each default).
    public var limits: LimitSettings
    /// Section `log:` (optional; default level info).
    public var log: LogSettings
    /// Section `cache:` (optional; /var/cache/s3edge, 10 GiB).
    public var cache: CacheSettings
    /// Section `admin:` (optional; plain HTTP, no credentials: only `/healthz` answers).
    public var admin: AdminSettings
    /// Section `access_log:` (optional; off).
    public var accessLog: AccessLogSettings
    /// Section `distributions:` (required, at least one).
    public var distributions: [Distribution]

    public init(
        listen: ListenConfiguration,
        tls: TLSSettings,
        viewer: ViewerSettings = ViewerSettings(),
        limits: LimitSettings = LimitSettings(),
        log: LogSettings = LogSettings(),
        cache: CacheSettings = CacheSettings(),
        admin: AdminSettings = AdminSettings(),
        accessLog: AccessLogSettings = AccessLogSettings(),
        distributions: [Distribution]
    ) {
        self.listen = listen
        self.tls = tls
        self.viewer = viewer
        self.limits = limits
        self.log = log
        self.cache = cache
        self.admin = admin
        self.accessLog = accessLog
        self.distributions = distributions
    }

    /// Distribution whose `hostnames` contains `host` (case-insensitive, host
    /// given without port; one trailing dot ignored), or nil. Exact names win
    /// over wildcards; "*.example.com" matches "a.example.com" but neither
    /// "example.com" nor "a.b.example.com". Allocation-free: runs per request.
    public func distribution(forHost host: some StringProtocol) -> Distribution? {
        var name = Substring(host).utf8[...]
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }
        guard !name.isEmpty else { return nil }
        for distribution in distributions {
            for hostname in distribution.hostnames where asciiCaseInsensitiveEqual(hostname.utf8, name) {
                return distribution
            }
        }
        // "a.example.com" -> ".example.com", compared with "*.example.com" minus its "*".
        guard let firstDot = name.firstIndex(of: UInt8(ascii: ".")), firstDot != name.startIndex else { return nil }
        let parentSuffix = name[firstDot...]
        for distribution in distributions {
            for hostname in distribution.hostnames where hostname.utf8.first == UInt8(ascii: "*") {
                if asciiCaseInsensitiveEqual(hostname.utf8.dropFirst(), parentSuffix) {
                    return distribution
                }
            }
        }
        return nil
    }
}

/// Byte-wise equality where ASCII letters match regardless of case; `lhs` is
/// already lower-case (stored hostnames are).
private func asciiCaseInsensitiveEqual<L: Collection<UInt8>, R: Collection<UInt8>>(_ lhs: L, _ rhs: R) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for (lower, byte) in zip(lhs, rhs) {
        let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
        if lower != folded { return false }
    }
    return true
}
