/// A cache behavior's `path_pattern`, with CloudFront's rules: `*` matches any run of
/// characters (`/` included, so `/images/*` covers every depth), `?` exactly one character,
/// everything else itself, case-sensitively. The pattern must match the whole path. A leading
/// `/` is optional, as in CloudFront: `images/*.jpg` and `/images/*.jpg` are the same pattern.
///
/// Matching is pure and allocation-free (it runs for every request): a glob match over the
/// UTF-8 bytes that backtracks only to the last `*` seen, so a pattern is never re-tried from
/// more than one point at a time. Its cost is at most the path's length times the pattern's
/// (≤ 255), and usually one pass.
///
/// Give it the path as the object key is read from it, percent-decoded (what s3edge's
/// `ViewerPathDecoder` produces, with its leading `/`), not the raw request target: otherwise
/// `/%69nvoices/a.pdf` would miss a restricted `/invoices/*` yet fetch the same object.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern with its leading `/` (added when it was written without one).
    public let normalized: String
    /// `normalized` without its leading `/`, as bytes: what `matches` walks.
    private let body: [UInt8]

    /// CloudFront's limit on a path pattern's length, in characters as written.
    public static let maximumLength = 255

    /// CloudFront's default behavior's pattern, `*`: every path.
    public static let everything = PathPattern(checkedBody: [UInt8(ascii: "*")])

    /// Validates `pattern` against CloudFront's rules: 1 to 255 characters, each a letter,
    /// a digit, one of `_ - . $ / ~ " ' @ : + &`, or a wildcard `*` / `?`.
    public init(_ pattern: String) throws(PathPatternError) {
        guard !pattern.isEmpty else { throw .empty }
        for (offset, character) in pattern.enumerated() {
            guard let ascii = character.asciiValue, Self.isAllowed(ascii) else {
                throw .forbiddenCharacter(character, position: offset + 1)
            }
        }
        let length = pattern.utf8.count
        guard length <= Self.maximumLength else { throw .tooLong(length) }
        var bytes = Array(pattern.utf8)
        if bytes.first == UInt8(ascii: "/") { bytes.removeFirst() }
        self.init(checkedBody: bytes)
    }

    private init(checkedBody: [UInt8]) {
        body = checkedBody
        normalized = "/" + String(decoding: checkedBody, as: UTF8.self)
    }

    public var description: String { normalized }

    /// Whether `path` (the request path without query; a missing leading `/` is taken as
    /// present, and `""` means `/`) matches the whole pattern.
    public func matches(_ path: some StringProtocol) -> Bool {
        matches(utf8: path.utf8)
    }

    /// `matches` for a path given as UTF-8 bytes.
    public func matches(utf8 path: some Collection<UInt8>) -> Bool {
        let matched = path.withContiguousStorageIfAvailable { bytes in
            body.withUnsafeBufferPointer { glob in Self.match(glob, bytes) }
        }
        if let matched { return matched }
        let copy = Array(path)  // only for non-contiguous collections; Swift strings are contiguous
        return copy.withUnsafeBufferPointer { bytes in body.withUnsafeBufferPointer { Self.match($0, bytes) } }
    }

    /// True when every path this pattern matches is also matched by `other`, as far as can be
    /// told cheaply: the same pattern, a wildcard-free pattern that `other` matches, or `other`
    /// being a literal prefix and one trailing `*` (`/images/*`) that this pattern's own literal
    /// start (`/images/thumbs/*.jpg`) begins with. False means "not shown", not "disjoint".
    func isCovered(by other: PathPattern) -> Bool {
        if other == self { return true }
        let wildcards: (UInt8) -> Bool = { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }
        guard let firstWildcard = body.firstIndex(where: wildcards) else {
            return other.matches(utf8: [UInt8(ascii: "/")] + body)
        }
        guard let star = other.body.firstIndex(where: wildcards), star == other.body.count - 1,
              other.body[star] == UInt8(ascii: "*")
        else { return false }
        return firstWildcard >= star && body[..<star].elementsEqual(other.body[..<star])
    }

    /// The glob match proper: `*` backtracking to the last star only. Each segment between
    /// stars is taken at its leftmost fit, which is safe because a fit ending earlier never
    /// leaves less for the rest (a `?` always ends at its character's end, whatever byte of
    /// it the segment started on).
    private static func match(_ glob: UnsafeBufferPointer<UInt8>, _ fullPath: UnsafeBufferPointer<UInt8>) -> Bool {
        let path = fullPath.first == UInt8(ascii: "/") ? UnsafeBufferPointer(rebasing: fullPath.dropFirst()) : fullPath
        var globIndex = 0
        var pathIndex = 0
        var lastStar = -1
        var resumeAt = 0
        while pathIndex < path.count {
            let next = globIndex < glob.count ? glob[globIndex] : nil
            if next == UInt8(ascii: "*") {
                lastStar = globIndex
                resumeAt = pathIndex
                globIndex += 1
            } else if next == UInt8(ascii: "?") {
                pathIndex = endOfCharacter(path, from: pathIndex)
                globIndex += 1
            } else if next == path[pathIndex] {
                pathIndex += 1
                globIndex += 1
            } else if lastStar >= 0 {
                // Let the last star take one more byte and retry what follows it.
                resumeAt += 1
                pathIndex = resumeAt
                globIndex = lastStar + 1
            } else {
                return false
            }
        }
        while globIndex < glob.count, glob[globIndex] == UInt8(ascii: "*") {
            globIndex += 1
        }
        return globIndex == glob.count
    }

    /// The index after the character starting at `index`: its byte, then any UTF-8
    /// continuation bytes (so `?` matches `é` in a decoded path as one character).
    private static func endOfCharacter(_ path: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var end = index + 1
        while end < path.count, path[end] & 0xC0 == 0x80 {
            end += 1
        }
        return end
    }

    /// CloudFront's path pattern characters: `A-Z a-z 0-9 _ - . $ / ~ " ' @ : + &` and the
    /// wildcards `*` and `?`.
    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "_-.$/~\"'@:+&*?".utf8.contains(byte)
        }
    }
}

/// Why a path pattern is refused, worded to follow `path_pattern "…": ` in a diagnostic.
public enum PathPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    /// Longer than `PathPattern.maximumLength`; the length in characters.
    case tooLong(Int)
    /// A character CloudFront does not accept, and its 1-based position.
    case forbiddenCharacter(Character, position: Int)

    public var description: String {
        switch self {
        case .empty:
            return "a path pattern must not be empty; write one such as \"/images/*\""
        case .tooLong(let length):
            return "it is \(length) characters long; CloudFront allows at most \(PathPattern.maximumLength)"
        case .forbiddenCharacter(let character, let position):
            return "\(Self.name(character)) at position \(position) is not allowed; path patterns may contain "
                + "letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?"
        }
    }

    /// `"%"`, or a name for characters that do not show well inside quotes.
    private static func name(_ character: Character) -> String {
        switch character {
        case " ": return "a space"
        case "\t": return "a tab"
        default:
            if let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7F { return "a control character" }
            return "\"\(character)\""
        }
    }
}
