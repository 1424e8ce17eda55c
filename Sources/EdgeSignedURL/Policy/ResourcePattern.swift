/// A custom policy's `Resource`: a URL in which `*` matches any run of characters (none
/// included) and `?` exactly one, anywhere in the string, case-sensitively (CloudFront's rules).
///
/// Matching works on bytes, so `?` consumes one byte: a non-ASCII character in the viewer's URL
/// arrives percent-encoded anyway. A `?` in the pattern is a wildcard even where it separates
/// the query, and matches the `?` of the viewer's URL like any other byte.
public struct ResourcePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let bytes: [UInt8]
    private let hasWildcards: Bool

    public init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
        hasWildcards = bytes.contains(UInt8(ascii: "*")) || bytes.contains(UInt8(ascii: "?"))
    }

    public var description: String { text }

    /// Whether `url` (scheme, host, path and query, as `ViewerURL.resource` builds it) matches.
    public func matches(_ url: some Collection<UInt8>) -> Bool {
        guard hasWildcards else { return url.elementsEqual(bytes) }
        if let result = url.withContiguousStorageIfAvailable({ matches(buffer: $0) }) {
            return result
        }
        return Array(url).withUnsafeBufferPointer { matches(buffer: $0) }
    }

    /// The classic two-cursor glob match: on a mismatch, retry from the last `*` with one more
    /// byte swallowed. O(pattern × url) at worst, and the pattern is signed, so a viewer cannot
    /// pick a pathological one.
    private func matches(buffer url: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { pattern in
            var p = 0
            var u = 0
            var starPattern = -1
            var starURL = 0
            while u < url.count {
                if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == url[u] && pattern[p] != UInt8(ascii: "*") {
                    p += 1
                    u += 1
                } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                    starPattern = p
                    starURL = u
                    p += 1
                } else if starPattern >= 0 {
                    p = starPattern + 1
                    starURL += 1
                    u = starURL
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
            return p == pattern.count
        }
    }
}
