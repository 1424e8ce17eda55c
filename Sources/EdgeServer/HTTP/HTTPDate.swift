import EdgeCache
import Glibc
import NIOConcurrencyHelpers

/// The `Date` header value (IMF-fixdate, formatted by EdgeCache's `HTTPDate`), made at most once
/// per second for the whole process rather than once per response.
enum HTTPDate {
    private static let cache = NIOLockedValueBox<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        let second = time(nil)
        return cache.withLockedValue { cached in
            if cached.second != second {
                cached = (second, EdgeCache.HTTPDate.format(CacheTime(secondsSince1970: Int64(second))))
            }
            return cached.text
        }
    }
}
