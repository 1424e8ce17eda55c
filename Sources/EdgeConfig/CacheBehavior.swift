/// One entry of a distribution's `behaviors:` (CloudFront's cache behavior): settings for the
/// requests whose path matches `pathPattern`. Behaviors are tried in the order written and the
/// first match wins; a path no behavior matches gets the distribution's own settings, its
/// default behavior (`Distribution.defaultBehavior`, pattern `*`), whose keys have the
/// defaults documented here.
///
/// Every setting is resolved when the configuration is loaded: a key the behavior does not
/// write holds the distribution's value, so request handling never merges anything.
public struct CacheBehavior: Sendable, Equatable {
    /// Key `path_pattern` (required); `PathPattern.everything` for the default behavior.
    public var pathPattern: PathPattern
    /// Key `cache_policy`: the keys written replace the distribution's, the rest are its.
    public var cachePolicy: CachePolicySettings
    /// Key `error_caching_min_ttl`, default the distribution's (10 seconds unless it says).
    public var errorCachingMinTTL: Duration
    /// Key `max_object_size`, default the distribution's (1 GiB unless it says).
    public var maxObjectSize: Int
    /// Key `viewer_protocol_policy`, default the distribution's; nil when neither writes one:
    /// `viewer.protocol_policy` applies (see `protocolPolicy(viewer:)`).
    public var viewerProtocolPolicy: ViewerProtocolPolicy?
    /// Key `allowed_methods`, default the distribution's (`[GET, HEAD, OPTIONS]` unless it says).
    public var allowedMethods: AllowedMethods
    /// Key `restrict_viewer_access`, default the distribution's (false unless it says): requests
    /// need a valid CloudFront signed URL or signed cookies made with one of the distribution's
    /// `trusted_keys`.
    public var restrictViewerAccess: Bool
    /// Line of the list item (`- path_pattern: ...`); the distribution's line for the default behavior.
    public var line: Int

    public init(
        pathPattern: PathPattern, cachePolicy: CachePolicySettings = CachePolicySettings(),
        errorCachingMinTTL: Duration = Distribution.defaultErrorCachingMinTTL,
        maxObjectSize: Int = Distribution.defaultMaxObjectSize,
        viewerProtocolPolicy: ViewerProtocolPolicy? = nil, allowedMethods: AllowedMethods = .getHeadOptions,
        restrictViewerAccess: Bool = false, line: Int = 0
    ) {
        self.pathPattern = pathPattern
        self.cachePolicy = cachePolicy
        self.errorCachingMinTTL = errorCachingMinTTL
        self.maxObjectSize = maxObjectSize
        self.viewerProtocolPolicy = viewerProtocolPolicy
        self.allowedMethods = allowedMethods
        self.restrictViewerAccess = restrictViewerAccess
        self.line = line
    }

    /// The protocol policy in force for this behavior: its own (or its distribution's), else
    /// the `viewer:` section's.
    public func protocolPolicy(viewer: ViewerSettings) -> ViewerProtocolPolicy {
        viewerProtocolPolicy ?? viewer.protocolPolicy
    }
}

/// Key `allowed_methods`: CloudFront's method sets, of which s3edge serves the two that only
/// read. The third, `[GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE]`, is refused by the loader:
/// s3edge never forwards writes to S3.
public enum AllowedMethods: Sendable, Equatable, CaseIterable {
    /// `[GET, HEAD]`: CloudFront's default; CORS preflights are refused.
    case getHead
    /// `[GET, HEAD, OPTIONS]`: s3edge's default (what it has always served), CORS preflights pass.
    case getHeadOptions

    /// The methods in CloudFront's order.
    public var methods: [String] {
        switch self {
        case .getHead: ["GET", "HEAD"]
        case .getHeadOptions: ["GET", "HEAD", "OPTIONS"]
        }
    }

    /// Whether a request with `method` (case-sensitive, as HTTP methods are) is allowed.
    public func allows(_ method: some StringProtocol) -> Bool {
        switch method {
        case "GET", "HEAD": true
        case "OPTIONS": self == .getHeadOptions
        default: false
        }
    }
}
