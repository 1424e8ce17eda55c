/// The header fields of an origin response that decide caching, read once.
public struct OriginFreshnessHeaders: Sendable, Equatable {
    /// `Expires` as sent: a date, or present but unreadable.
    public enum Expires: Sendable, Equatable {
        case date(CacheTime)
        /// RFC 9111 §5.3: an invalid date (notably "0") means "already expired".
        case invalid
    }

    public var cacheControl: CacheControl
    /// First `Expires` field; nil when absent.
    public var expires: Expires?
    /// First valid `Date` field: the origin's clock when it answered.
    public var date: CacheTime?
    /// `Content-Length`, when present and valid.
    public var contentLength: Int?

    public init(
        cacheControl: CacheControl = CacheControl(), expires: Expires? = nil, date: CacheTime? = nil,
        contentLength: Int? = nil
    ) {
        self.cacheControl = cacheControl
        self.expires = expires
        self.date = date
        self.contentLength = contentLength
    }

    /// Reads `Cache-Control`, `Expires`, `Date` and `Content-Length` from the
    /// origin's header fields (names case-insensitive; the first of each wins).
    public init(headers: some Sequence<(name: String, value: String)>) {
        var cacheControlValues: [String] = []
        var expires: Expires?
        var date: CacheTime?
        var contentLength: Int?
        for (name, value) in headers {
            if asciiEqualsLowercased(name, "cache-control") {
                cacheControlValues.append(value)
            } else if expires == nil, asciiEqualsLowercased(name, "expires") {
                expires = HTTPDate.parse(value).map(Expires.date) ?? .invalid
            } else if date == nil, asciiEqualsLowercased(name, "date") {
                date = HTTPDate.parse(value)
            } else if contentLength == nil, asciiEqualsLowercased(name, "content-length") {
                contentLength = Int(value).flatMap { $0 >= 0 ? $0 : nil }
            }
        }
        self.init(
            cacheControl: CacheControl(fieldValues: cacheControlValues), expires: expires, date: date,
            contentLength: contentLength)
    }

    /// The lifetime the origin gave, before the policy's clamps: `s-maxage`,
    /// else `max-age`, else `Expires` minus `Date` (or minus `now` when the
    /// origin sent no usable `Date`, so a skewed origin clock does not shift
    /// every lifetime), else nil. An invalid `Expires` gives zero.
    func originLifetime(now: CacheTime) -> Duration? {
        if let seconds = cacheControl.sharedMaxAge ?? cacheControl.maxAge { return .seconds(seconds) }
        switch expires {
        case .date(let expiry): return expiry - (date ?? now)
        case .invalid: return .zero
        case nil: return nil
        }
    }
}
