/// One address to accept connections on, written `host:port` in YAML
/// (`[v6]:port` for IPv6).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// "0.0.0.0" (every IPv4 address), "::" (every IPv6 address), a specific
    /// address such as "127.0.0.1", or a name such as "localhost". IPv6 is stored
    /// without brackets in canonical form; names are lower-cased.
    public var host: String
    /// TCP port, 1...65535.
    public var port: Int
    /// Source line the address was written on, for diagnostics; 0 when built in code.
    /// Not part of equality: the same address on two lines is the same address.
    public var line: Int

    public init(host: String, port: Int, line: Int = 0) {
        self.host = host
        self.port = port
        self.line = line
    }

    /// "host:port", or "[v6]:port" for IPv6 hosts.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// True for "0.0.0.0" and "::", which accept connections on every local
    /// address of their family. "::" is meant to be bound IPv6-only
    /// (IPV6_V6ONLY, as nginx does), so "0.0.0.0:443" and "[::]:443" can coexist.
    public var isWildcard: Bool {
        host == "0.0.0.0" || host == "::"
    }

    public static func == (lhs: ListenAddress, rhs: ListenAddress) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
    }
}

/// Section `listen:`: where the edge accepts connections.
public struct ListenConfiguration: Sendable, Equatable {
    /// Required: the HTTPS listeners, `"host:port"` or a list of them. There is
    /// no default because binding 443 on every interface should be a decision.
    public var https: [ListenAddress]
    /// Plain-HTTP listeners; empty (the default) means none. Needed for
    /// `viewer.protocol_policy: redirect-to-https` to have anything to redirect.
    public var http: [ListenAddress]
    /// Admin API and metrics listener, default `127.0.0.1:9180` (CloudFront's invalidation
    /// API, `/metrics`, `/healthz`); `admin: off` makes it nil, no listener. Keep it on a
    /// loopback or private address.
    public var admin: ListenAddress?

    /// `127.0.0.1:9180`: loopback only, so a default install exposes nothing.
    public static let defaultAdmin = ListenAddress(host: "127.0.0.1", port: 9180)

    public init(https: [ListenAddress], http: [ListenAddress] = [], admin: ListenAddress? = ListenConfiguration.defaultAdmin) {
        self.https = https
        self.http = http
        self.admin = admin
    }
}
