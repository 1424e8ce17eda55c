/// The directives of `Cache-Control` header fields, parsed leniently: origins
/// write "Max-Age = 60", `max-age="60"`, duplicate directives and outright
/// garbage, and a cache must do something sensible with all of it.
///
/// One type serves responses and viewer requests. For responses, every field
/// is used by `CachePolicy.storeDecision`. For viewer requests s3edge does what
/// CloudFront does by default and ignores them (see `ViewerCacheControl`).
///
/// Rules:
/// - Names are case-insensitive; spaces and tabs around names, `=` and values
///   are ignored; empty list elements (`a,,b`) are skipped.
/// - Values may be quoted (`max-age="60"`); commas inside quotes do not split.
/// - A directive given twice keeps its first occurrence (RFC 9111 §4.2.1).
/// - A numeric directive whose value is not a non-negative integer counts as 0,
///   i.e. "stale": RFC 9111 encourages treating invalid freshness information
///   as stale, and ignoring it would mean caching for the default TTL (a day)
///   a response whose origin tried to say something shorter.
/// - Values beyond 2^31 are read as 2^31 seconds (RFC 9111 §1.2.2).
/// - Field-name forms (`no-cache="Set-Cookie"`, `private="X"`) are treated as
///   the unqualified directive: more restrictive, never less.
/// - Unknown directives are ignored.
public struct CacheControl: Sendable, Equatable {
    /// `max-age`, seconds.
    public var maxAge: Int?
    /// `s-maxage`, seconds: the lifetime for shared caches like this one.
    public var sharedMaxAge: Int?
    public var noCache = false
    public var noStore = false
    /// `private`: only the viewer's own cache may store the response.
    public var isPrivate = false
    public var isPublic = false
    public var mustRevalidate = false
    public var proxyRevalidate = false
    public var immutable = false
    /// `stale-while-revalidate`, seconds (RFC 5861).
    public var staleWhileRevalidate: Int?
    /// `stale-if-error`, seconds (RFC 5861).
    public var staleIfError: Int?
    /// Request only: `only-if-cached`.
    public var onlyIfCached = false

    public init() {}

    /// Parses every `Cache-Control` field line of a message, in order.
    public init(fieldValues: some Sequence<some StringProtocol>) {
        var seen = Set<String>()
        for value in fieldValues {
            for directive in CacheControlTokenizer(value) where seen.insert(directive.name).inserted {
                apply(directive)
            }
        }
    }

    /// Parses the `Cache-Control` fields among `headers` (names compared
    /// case-insensitively).
    public init(headers: some Sequence<(name: String, value: String)>) {
        self.init(fieldValues: headers.lazy.filter { asciiEqualsLowercased($0.name, "cache-control") }.map(\.value))
    }

    /// True when `s-maxage` or `max-age` is present: `Expires` and the
    /// default TTL then do not apply.
    public var hasExplicitLifetime: Bool {
        sharedMaxAge != nil || maxAge != nil
    }

    private mutating func apply(_ directive: CacheControlTokenizer.Directive) {
        switch directive.name {
        case "max-age": maxAge = Self.seconds(directive.value)
        case "s-maxage": sharedMaxAge = Self.seconds(directive.value)
        case "stale-while-revalidate": staleWhileRevalidate = Self.seconds(directive.value)
        case "stale-if-error": staleIfError = Self.seconds(directive.value)
        case "no-cache": noCache = true
        case "no-store": noStore = true
        case "private": isPrivate = true
        case "public": isPublic = true
        case "must-revalidate": mustRevalidate = true
        case "proxy-revalidate": proxyRevalidate = true
        case "immutable": immutable = true
        case "only-if-cached": onlyIfCached = true
        default: break
        }
    }

    /// RFC 9111 §1.2.2 delta-seconds: digits only; too large → 2^31; anything
    /// else (missing, negative, fractional, words) → 0.
    static func seconds(_ value: Substring?) -> Int {
        guard let value, !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return 0 }
        guard value.utf8.count <= 10, let number = Int(value) else { return 1 << 31 }
        return min(number, 1 << 31)
    }
}

/// ASCII case-insensitive comparison with a lower-case literal, for header
/// names, without allocating a lower-cased copy.
func asciiEqualsLowercased(_ text: some StringProtocol, _ lowercased: String) -> Bool {
    guard text.utf8.count == lowercased.utf8.count else { return false }
    for (byte, expected) in zip(text.utf8, lowercased.utf8) {
        let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        if folded != expected { return false }
    }
    return true
}
