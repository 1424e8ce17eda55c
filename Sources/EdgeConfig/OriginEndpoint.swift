/// Key `endpoint` of an origin: where S3 requests are sent, written as a URL
/// with scheme and host only (`https://s3.eu-west-2.amazonaws.com`,
/// `http://127.0.0.1:9000`). Never carries a path, query or credentials.
public struct OriginEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Equatable, CaseIterable {
        case http, https

        /// 80 or 443.
        public var defaultPort: Int {
            self == .https ? 443 : 80
        }
    }

    /// `https`, or `http` for local test stores only (a warning).
    public var scheme: Scheme
    /// Lower-cased DNS name, IPv4 address, or IPv6 address without brackets.
    public var host: String
    /// nil when the URL gives none or gives the scheme's default port.
    public var port: Int?

    public init(scheme: Scheme, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port == scheme.defaultPort ? nil : port
    }

    /// `host` or `host:port` (IPv6 in brackets): the `Host` header for
    /// path-style requests and the part after `scheme://` in URLs.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }

    /// The port connections go to.
    public var effectivePort: Int {
        port ?? scheme.defaultPort
    }

    /// `scheme://authority`, e.g. "https://s3.eu-west-2.amazonaws.com".
    public var description: String {
        "\(scheme.rawValue)://\(authority)"
    }

    /// True for IPv4 and IPv6 literals.
    public var isIPAddress: Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) })
    }

    /// True for AWS's own endpoints (`*.amazonaws.com`, `*.amazonaws.com.cn`).
    public var isAWS: Bool {
        host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
    }

    /// Whether `BUCKET.host` can be a real host name: not for IP addresses,
    /// `localhost`, or endpoints with an explicit port (local test stores).
    public var supportsVirtualAddressing: Bool {
        !isIPAddress && host != "localhost" && port == nil
    }

    /// The default for `endpoint`: S3's regional REST endpoint,
    /// `https://s3.REGION.amazonaws.com` (`.amazonaws.com.cn` for `cn-` regions).
    public static func aws(region: String) -> OriginEndpoint {
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return OriginEndpoint(scheme: .https, host: "s3.\(region).\(domain)")
    }
}
