#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One viewer request as the access log sees it: CloudFront's standard-log fields (names in
/// brackets), plus the distribution's id. `nil` and empty strings print as `-` in W3C lines and
/// as `null` in JSON lines.
///
/// Strings are Swift strings, so they are well-formed UTF-8: bytes that were not (in a path or a
/// header) became U+FFFD when the string was made. The formatter escapes everything else that
/// could break a line or a field.
public struct AccessLogRecord: Sendable {
    /// CloudFront's `x-edge-result-type` and `x-edge-response-result-type` values.
    public enum ResultType: String, Sendable, Hashable, CaseIterable {
        case hit = "Hit"
        case refreshHit = "RefreshHit"
        case miss = "Miss"
        case limitExceeded = "LimitExceeded"
        case capacityExceeded = "CapacityExceeded"
        case error = "Error"
        case redirect = "Redirect"
    }

    /// `cs-protocol`: the viewer's scheme.
    public enum ViewerProtocol: String, Sendable, Hashable {
        case http
        case https
    }

    /// `cs-protocol-version`, spelled as CloudFront spells it.
    public enum ProtocolVersion: String, Sendable, Hashable {
        case http1_0 = "HTTP/1.0"
        case http1_1 = "HTTP/1.1"
        case http2 = "HTTP/2.0"
    }

    /// `date` and `time`: when the request started, in nanoseconds since 1970-01-01 00:00:00 UTC
    /// (`CLOCK_REALTIME`, see ``currentTime()``); printed in UTC to the second. CloudFront prints
    /// when its response finished instead: that is this plus ``timeTaken``.
    public var startTime: Int64
    /// `x-edge-location`: the configured node name (``defaultEdgeLocation()`` is the host name).
    public var edgeLocation: String
    /// `sc-bytes`: what was sent to the viewer for this response — the response head as encoded
    /// for HTTP/1.x (status line and header lines) plus the body bytes written. On HTTP/2 the
    /// head's size depends on the connection's HPACK table, so there it is the body bytes only.
    public var bytesSent: Int
    /// `c-ip`: the viewer's address as text (made once per connection, not per request).
    public var clientIP: String
    /// `c-port`.
    public var clientPort: Int?
    /// `cs-method`.
    public var method: String
    /// `cs(Host)`: CloudFront puts its distribution domain here; s3edge has none, so this is the
    /// `Host` (or `:authority`) the viewer sent, like ``hostHeader``.
    public var host: String?
    /// `cs-uri-stem`: the path as the viewer sent it, without the query.
    public var uriStem: String
    /// `sc-status`.
    public var status: Int
    /// `cs(Referer)`.
    public var referer: String?
    /// `cs(User-Agent)`.
    public var userAgent: String?
    /// `cs-uri-query`: the query without its `?`; `nil` when the target had none.
    public var uriQuery: String?
    /// `cs(Cookie)`: printed only by a formatter made with `logCookies: true`.
    public var cookie: String?
    /// `x-edge-result-type`.
    public var edgeResultType: ResultType
    /// `x-edge-request-id`.
    public var requestID: String
    /// `x-host-header`: the `Host` the viewer sent.
    public var hostHeader: String?
    /// `cs-protocol`.
    public var `protocol`: ViewerProtocol
    /// `cs-bytes`: the request's bytes, head and body.
    public var requestBytes: Int
    /// `time-taken`: from the request's start to the response's last byte; printed in seconds to
    /// the millisecond (`0.002`).
    public var timeTaken: Duration
    /// `x-forwarded-for`: the `X-Forwarded-For` header the viewer sent.
    public var forwardedFor: String?
    /// `ssl-protocol`, e.g. `TLSv1.3`; `nil` over plain HTTP.
    public var sslProtocol: String?
    /// `ssl-cipher`, OpenSSL's name, e.g. `TLS_AES_128_GCM_SHA256`.
    public var sslCipher: String?
    /// `x-edge-response-result-type`: how the response ended up (e.g. `Error` when the viewer went
    /// away mid-body after a `Hit`); `nil` prints ``edgeResultType``, as CloudFront does when they
    /// agree.
    public var edgeResponseResultType: ResultType?
    /// `cs-protocol-version`.
    public var protocolVersion: ProtocolVersion
    /// `time-to-first-byte`: from the request's start to the response's first byte.
    public var timeToFirstByte: Duration?
    /// `x-edge-detailed-result-type`: the specific error (`OriginConnectError`, `ClientCommError`,
    /// …) when the result is `Error`; `nil` prints ``edgeResultType``, as CloudFront does for
    /// results that are not errors.
    public var edgeDetailedResultType: String?
    /// `sc-content-type`: the response's `Content-Type`.
    public var contentType: String?
    /// `sc-content-len`: the response's `Content-Length`.
    public var contentLength: Int?
    /// `sc-range-start`, `sc-range-end`: from the response's `Content-Range`.
    public var rangeStart: Int?
    public var rangeEnd: Int?
    /// `x-distribution-id`, an extra field after CloudFront's 33: the distribution that served it.
    public var distributionID: String?

    public init(
        startTime: Int64,
        edgeLocation: String,
        bytesSent: Int,
        clientIP: String,
        clientPort: Int? = nil,
        method: String,
        host: String? = nil,
        uriStem: String,
        status: Int,
        referer: String? = nil,
        userAgent: String? = nil,
        uriQuery: String? = nil,
        cookie: String? = nil,
        edgeResultType: ResultType,
        requestID: String,
        hostHeader: String? = nil,
        protocol: ViewerProtocol,
        requestBytes: Int,
        timeTaken: Duration,
        forwardedFor: String? = nil,
        sslProtocol: String? = nil,
        sslCipher: String? = nil,
        edgeResponseResultType: ResultType? = nil,
        protocolVersion: ProtocolVersion,
        timeToFirstByte: Duration? = nil,
        edgeDetailedResultType: String? = nil,
        contentType: String? = nil,
        contentLength: Int? = nil,
        rangeStart: Int? = nil,
        rangeEnd: Int? = nil,
        distributionID: String? = nil
    ) {
        self.startTime = startTime
        self.edgeLocation = edgeLocation
        self.bytesSent = bytesSent
        self.clientIP = clientIP
        self.clientPort = clientPort
        self.method = method
        self.host = host
        self.uriStem = uriStem
        self.status = status
        self.referer = referer
        self.userAgent = userAgent
        self.uriQuery = uriQuery
        self.cookie = cookie
        self.edgeResultType = edgeResultType
        self.requestID = requestID
        self.hostHeader = hostHeader
        self.protocol = `protocol`
        self.requestBytes = requestBytes
        self.timeTaken = timeTaken
        self.forwardedFor = forwardedFor
        self.sslProtocol = sslProtocol
        self.sslCipher = sslCipher
        self.edgeResponseResultType = edgeResponseResultType
        self.protocolVersion = protocolVersion
        self.timeToFirstByte = timeToFirstByte
        self.edgeDetailedResultType = edgeDetailedResultType
        self.contentType = contentType
        self.contentLength = contentLength
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.distributionID = distributionID
    }

    /// Now, for ``startTime``.
    public static func currentTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The machine's host name, the default ``edgeLocation``; `s3edge` if it has none.
    public static func defaultEdgeLocation() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0, name[0] != 0 else { return "s3edge" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Splits a request target into ``uriStem`` and ``uriQuery`` at the first `?`.
    public static func splitTarget(_ target: String) -> (uriStem: String, uriQuery: String?) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        let after = target.utf8.index(after: mark)
        return (String(target[..<mark]), String(target[after...]))
    }
}
