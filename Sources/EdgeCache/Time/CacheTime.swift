/// A wall-clock instant, in milliseconds since 1970-01-01T00:00:00Z.
///
/// Wall-clock rather than `ContinuousClock` because cached entries outlive the
/// process (they sit in LMDB across restarts) and are compared with HTTP dates
/// (`Expires`, `Last-Modified`, `If-Modified-Since`). Nothing in EdgeCache reads
/// a clock: every decision takes `now` from the caller, so tests choose the time.
public struct CacheTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    public init(secondsSince1970: Int64) {
        self.millisecondsSince1970 = secondsSince1970.saturatingMultiplied(by: 1000)
    }

    /// Whole seconds since 1970, rounded down (HTTP dates have one-second resolution).
    public var secondsSince1970: Int64 {
        millisecondsSince1970 >= 0
            ? millisecondsSince1970 / 1000
            : -((-millisecondsSince1970 + 999) / 1000)
    }

    public static func < (lhs: CacheTime, rhs: CacheTime) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    /// `lhs` moved by `rhs`, saturating instead of trapping: a TTL of 100 years
    /// added to a far-future date must not crash the edge.
    public static func + (lhs: CacheTime, rhs: Duration) -> CacheTime {
        CacheTime(millisecondsSince1970: lhs.millisecondsSince1970.saturatingAdded(rhs.wholeMilliseconds))
    }

    /// Time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: CacheTime, rhs: CacheTime) -> Duration {
        .milliseconds(lhs.millisecondsSince1970.saturatingAdded(rhs.millisecondsSince1970.saturatingNegated))
    }

    /// The IMF-fixdate form used in HTTP headers ("Sun, 06 Nov 1994 08:49:37 GMT").
    public var description: String {
        HTTPDate.format(self)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero and saturating at
    /// Int64's range (attoseconds below a millisecond do not matter to a cache).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.saturatingMultiplied(by: 1000).saturatingAdded(attoseconds / 1_000_000_000_000_000)
    }

    /// The duration in whole seconds, rounded down, never negative: the unit of
    /// TTLs, `Age` and `max-age`.
    var wholeSecondsClampedAtZero: Int64 {
        max(0, components.seconds)
    }
}

extension Int64 {
    func saturatingAdded(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    func saturatingMultiplied(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }

    var saturatingNegated: Int64 {
        self == .min ? .max : -self
    }
}
