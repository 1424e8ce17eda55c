/// Key `origin` of a distribution: the S3 bucket its objects are fetched from,
/// and how (CloudFront's S3 origin with origin access control). Only `bucket`
/// and `region` are required; every other key has a default suited to a
/// private, SSE-KMS encrypted bucket on AWS.
public struct OriginSettings: Sendable, Equatable {
    /// `type`, default s3 (the only kind supported).
    public var type: OriginType
    /// `bucket` (required): the bucket's name, checked against S3's naming rules.
    public var bucket: String
    /// `region` (required): the bucket's region, e.g. "eu-west-2"; requests are
    /// signed for it. Non-AWS stores accept what they were configured with
    /// ("us-east-1" for most).
    public var region: String
    /// `endpoint`: nil (the default) means AWS's regional endpoint, see
    /// `effectiveEndpoint`. Set it for S3-compatible stores and tests.
    public var endpoint: OriginEndpoint?
    /// `addressing`: default virtual for AWS endpoints, path for every other
    /// endpoint (any S3-compatible store understands it, no per-bucket DNS
    /// needed). Virtual cannot be used with an IP address, localhost or a port.
    public var addressing: OriginAddressing
    /// `key_prefix`, default "" (the whole bucket): only keys under this prefix
    /// can be reached; it is prepended to every key. Never starts with "/".
    public var keyPrefix: String
    /// `signing`, default always.
    public var signing: OriginSigning
    /// `credentials`, default the default chain.
    public var credentials: OriginCredentialsSettings
    /// `require_sse_kms`, default true (any KMS key): s3edge exists to serve
    /// SSE-KMS buckets, so an object that slipped in unencrypted is refused
    /// rather than served.
    public var requireSSEKMS: SSEKMSRequirement
    /// `default_root_object`, default "" (none: "/" gets 404 and never becomes
    /// a bucket listing). A key relative to `keyPrefix`, e.g. "index.html".
    public var defaultRootObject: String
    /// `connect_timeout`, default 5s: TCP and TLS connection setup.
    public var connectTimeout: Duration
    /// `first_byte_timeout`, default 30s: from sending a request to the first
    /// byte of the response (CloudFront's origin response timeout).
    public var firstByteTimeout: Duration
    /// `idle_timeout`, default 30s: the longest pause between two reads while a
    /// response body streams in.
    public var idleTimeout: Duration
    /// `total_timeout`, default 5m: a whole origin request, body included.
    public var totalTimeout: Duration
    /// `ca_file`: nil (the default) trusts the system's CA store. A PEM file of
    /// CA certificates for the endpoint, resolved against the configuration
    /// file's directory; it must be readable when the configuration is checked.
    public var caFile: String?
    /// `max_connections`, default 64: open connections per origin host.
    public var maxConnections: Int
    /// `retries`, default 2 (0 to 5): extra attempts for a request whose
    /// connection failed before S3 sent any byte (refused, DNS failure, reset).
    /// An answer that has started is never retried.
    public var retries: Int
    /// Line of the `origin:` key, for diagnostics.
    public var line: Int

    /// `addressing` nil picks the default for the endpoint (see `addressing`).
    public init(
        type: OriginType = .s3,
        bucket: String,
        region: String,
        endpoint: OriginEndpoint? = nil,
        addressing: OriginAddressing? = nil,
        keyPrefix: String = "",
        signing: OriginSigning = .always,
        credentials: OriginCredentialsSettings = .defaultChain,
        requireSSEKMS: SSEKMSRequirement = .anyKMSKey,
        defaultRootObject: String = "",
        connectTimeout: Duration = .seconds(5),
        firstByteTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(30),
        totalTimeout: Duration = .seconds(300),
        caFile: String? = nil,
        maxConnections: Int = 64,
        retries: Int = 2,
        line: Int = 0
    ) {
        self.type = type
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.addressing = addressing ?? Self.defaultAddressing(for: endpoint)
        self.keyPrefix = keyPrefix
        self.signing = signing
        self.credentials = credentials
        self.requireSSEKMS = requireSSEKMS
        self.defaultRootObject = defaultRootObject
        self.connectTimeout = connectTimeout
        self.firstByteTimeout = firstByteTimeout
        self.idleTimeout = idleTimeout
        self.totalTimeout = totalTimeout
        self.caFile = caFile
        self.maxConnections = maxConnections
        self.retries = retries
        self.line = line
    }

    /// Virtual for AWS endpoints (and the default endpoint), path otherwise.
    public static func defaultAddressing(for endpoint: OriginEndpoint?) -> OriginAddressing {
        guard let endpoint else { return .virtual }
        return endpoint.isAWS && endpoint.supportsVirtualAddressing ? .virtual : .path
    }

    /// `endpoint`, or `https://s3.REGION.amazonaws.com` when it is omitted.
    public var effectiveEndpoint: OriginEndpoint {
        endpoint ?? .aws(region: region)
    }

    /// The `Host` header (and URL authority) for requests with `addressing`:
    /// "BUCKET.s3.REGION.amazonaws.com" or "BUCKET." + the endpoint's host for
    /// virtual, the endpoint's "host[:port]" for path.
    public func host(forAddressing addressing: OriginAddressing) -> String {
        switch addressing {
        case .virtual: return "\(bucket).\(effectiveEndpoint.authority)"
        case .path: return effectiveEndpoint.authority
        }
    }

    /// `host(forAddressing:)` for the configured addressing.
    public var hostHeader: String {
        host(forAddressing: addressing)
    }

    /// What precedes "/KEY" in request paths: "" for virtual addressing,
    /// "/BUCKET" for path addressing.
    public var basePath: String {
        addressing == .path ? "/\(bucket)" : ""
    }
}
