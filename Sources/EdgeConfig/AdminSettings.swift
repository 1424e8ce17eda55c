/// Section `admin:`: who may use the admin API on `listen.admin` (invalidations, metrics,
/// status) and whether it speaks TLS. Every endpoint but `/healthz` requires one of the two
/// credentials: a bearer token from `tokens_file`, or an AWS SigV4 signature (service
/// `cloudfront`, region `us-east-1`) made with one of `access_keys`, which is what the AWS CLI
/// and SDKs send.
public struct AdminSettings: Sendable, Equatable {
    /// `tls`, default false: serve the admin listener over HTTPS with the certificates and
    /// policy of the `tls:` section. Loopback-only listeners may stay plain.
    public var tls: Bool
    /// `tokens_file`: one bearer token per line (`#` comments allowed), at least 32 characters
    /// each; nil when absent.
    public var tokensFile: String?
    /// `access_keys`: SigV4 access keys, each an id and a file holding its secret.
    public var accessKeys: [AdminAccessKey]
    /// Line of the section (0 when absent), for diagnostics.
    public var line: Int

    public init(tls: Bool = false, tokensFile: String? = nil, accessKeys: [AdminAccessKey] = [], line: Int = 0) {
        self.tls = tls
        self.tokensFile = tokensFile
        self.accessKeys = accessKeys
        self.line = line
    }

    /// True when no credential is configured: the admin API then refuses everything but
    /// `/healthz`.
    public var hasNoCredentials: Bool {
        tokensFile == nil && accessKeys.isEmpty
    }

    public static func == (lhs: AdminSettings, rhs: AdminSettings) -> Bool {
        lhs.tls == rhs.tls && lhs.tokensFile == rhs.tokensFile && lhs.accessKeys == rhs.accessKeys
    }
}

/// One item of `admin.access_keys`.
public struct AdminAccessKey: Sendable, Equatable {
    /// `id`: the access key id clients sign with (`AKIA…`-like: 16 to 128 upper-case letters
    /// and digits).
    public var id: String
    /// `secret_file`: a file holding the secret access key (surrounding whitespace ignored).
    public var secretFile: String
    public var line: Int

    public init(id: String, secretFile: String, line: Int = 0) {
        self.id = id
        self.secretFile = secretFile
        self.line = line
    }

    public static func == (lhs: AdminAccessKey, rhs: AdminAccessKey) -> Bool {
        lhs.id == rhs.id && lhs.secretFile == rhs.secretFile
    }
}

/// Section `access_log:`: one line per viewer request.
public struct AccessLogSettings: Sendable, Equatable {
    public enum Destination: Sendable, Equatable {
        /// `path: off` (the default): no access log.
        case off
        /// `path: stderr`: lines go to standard error (the journal under systemd).
        case stderr
        /// A file, appended to and reopened on SIGHUP (for logrotate).
        case file(String)
    }

    public enum Format: String, Sendable, CaseIterable {
        /// W3C extended log format with CloudFront's standard-log fields, tab-separated.
        case w3c
        /// One JSON object per line, keyed by CloudFront's field names.
        case json
    }

    /// `path`, default off.
    public var destination: Destination
    /// `format`, default w3c.
    public var format: Format
    /// `log_cookies`, default false: whether `cs(Cookie)` holds the viewer's cookies (`-`
    /// otherwise), as CloudFront's "cookie logging" option.
    public var logCookies: Bool
    /// Line of `path` (0 when absent), for diagnostics; not part of equality.
    public var line: Int

    public init(destination: Destination = .off, format: Format = .w3c, logCookies: Bool = false, line: Int = 0) {
        self.destination = destination
        self.format = format
        self.logCookies = logCookies
        self.line = line
    }

    public static func == (lhs: AccessLogSettings, rhs: AccessLogSettings) -> Bool {
        lhs.destination == rhs.destination && lhs.format == rhs.format && lhs.logCookies == rhs.logCookies
    }
}
