/// Which viewer query parameters go to S3 with an object request: the ones a distribution's cache
/// policy puts in the cache key (CloudFront forwards exactly those), minus the ones S3 reads as
/// sub-resources or overrides.
///
/// S3 gives a query parameter meaning of its own: `?acl`, `?tagging` or `?attributes` turn a
/// GetObject into another API call, `versionId` reaches versions the bucket owner replaced or
/// deleted, and `response-content-type` & co. rewrite the headers a browser trusts. s3edge signs
/// every origin request with its own identity, so forwarding those would let any viewer make
/// that identity read ACLs, old versions, or serve an upload as `text/html`. They stay in the
/// cache key when the policy selects them (harmless there) but never reach S3.
public enum S3QueryForwarding: Sendable, Equatable {
    case none
    case all
    /// Only these names (case-sensitive, compared after percent-decoding).
    case names([String])

    /// The decoded `(name, value)` pairs of `rawQuery` (without the `?`) to send, in the order
    /// the viewer gave them. Items that do not decode (bad `%` escapes, invalid UTF-8) are dropped.
    public func select(rawQuery: Substring) -> [(name: String, value: String)] {
        if case .none = self { return [] }
        var selected: [(name: String, value: String)] = []
        for item in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = item.firstIndex(of: "=")
            guard let name = Self.decode(item[..<(equals ?? item.endIndex)]), !name.isEmpty,
                  let value = Self.decode(equals.map { item[item.index(after: $0)...] } ?? "")
            else { continue }
            guard !Self.isReservedByS3(name) else { continue }
            if case .names(let names) = self, !names.contains(name) { continue }
            selected.append((name, value))
        }
        return selected
    }

    /// S3's sub-resources and request overrides (GetObject's and the bucket-level ones a key-less
    /// request could reach), and anything in the `x-amz-` namespace (presigned-URL fields).
    static func isReservedByS3(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return reservedNames.contains(lowered) || lowered.hasPrefix("response-") || lowered.hasPrefix("x-amz-")
    }

    static let reservedNames: Set<String> = [
        "acl", "attributes", "cors", "delete", "encryption", "legal-hold", "lifecycle", "location", "logging",
        "metrics", "notification", "object-lock", "partnumber", "policy", "publicaccessblock", "replication",
        "requestpayment", "restore", "retention", "select", "select-type", "tagging", "torrent", "uploadid",
        "uploads", "versionid", "versioning", "versions", "website", "list-type", "renameobject", "session",
    ]

    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(ViewerPathDecoder.hexValue), let low = iterator.next().flatMap(ViewerPathDecoder.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
