/// The canonical URI line of a SigV4 canonical request, under S3's or the generic rules.
enum CanonicalURI {
    static func make(path: String, rule: SigV4Options.PathRule) -> String {
        guard !path.isEmpty else { return "/" }
        switch rule {
        case .s3:
            // Decoding first makes encoding idempotent: an already-encoded segment comes back
            // unchanged, a raw one is encoded, and nothing is encoded twice.
            return path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
                .map { URIEncoding.encode(URIEncoding.decode($0), keepingSlash: false) }
                .joined(separator: "/")
        case .generic:
            return URIEncoding.encode(removingDotSegments(path).utf8, keepingSlash: true)
        }
    }

    /// RFC 3986 5.2.4 dot-segment removal, with empty segments (`//`) dropped as the generic
    /// SigV4 rules require; a trailing `/` survives (`//example//` → `/example/`).
    static func removingDotSegments(_ path: String) -> String {
        var kept: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(segment)
            }
        }
        let joined = "/" + kept.joined(separator: "/")
        return path.hasSuffix("/") && !kept.isEmpty ? joined + "/" : joined
    }
}
