/// The URL a viewer asked for, in the parts the signature covers: CloudFront compares the signed
/// resource with "scheme://host/path?query", the query less the signing parameters.
///
/// Every part is kept as received (no case folding, no percent-decoding): signers sign the URL
/// text they hand out, and a viewer sends that text back.
public struct ViewerURL: Sendable, Equatable {
    /// `https` or `http`: how the viewer reached s3edge.
    public var scheme: String
    /// The `Host` header (HTTP/1.1) or `:authority` (HTTP/2), port included when the viewer sent
    /// one.
    public var host: String
    /// The request target's path, raw.
    public var path: String
    /// The request target's query, raw, without the `?`; nil when there is none.
    public var query: String?

    public init(scheme: String, host: String, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.path = path
        self.query = query
    }

    /// A request target as received (`/path?query`), split at its first `?`.
    public init(scheme: String, host: String, target: String) {
        let utf8 = target.utf8
        if let mark = utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.init(scheme: scheme, host: host, path: String(target[..<mark]), query: String(target[utf8.index(after: mark)...]))
        } else {
            self.init(scheme: scheme, host: host, path: target, query: nil)
        }
    }

    /// An absolute URL as signers print it: `https://d111111abcdef8.cloudfront.net/a.jpg?x=1`.
    /// A fragment is dropped; nil without a scheme and `://`.
    public init?(_ absolute: String) {
        var text = Substring(absolute)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        guard let colon = text.firstIndex(of: ":"), colon > text.startIndex,
            text[colon...].hasPrefix("://")
        else { return nil }
        scheme = String(text[..<colon])
        let rest = text[text.index(colon, offsetBy: 3)...]
        let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        host = String(rest[..<pathStart])
        let target = rest[pathStart...]
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            query = String(target[target.index(after: question)...])
        } else {
            path = String(target)
            query = nil
        }
    }

    /// `scheme://host/path[?query]`, the signing parameters removed from the query (and the `?`
    /// with them when nothing else is left): the resource a canned policy signs and a custom
    /// policy's `Resource` is matched against.
    public var resource: String { String(decoding: resourceBytes(), as: UTF8.self) }

    /// `resource` as bytes; the query's signing pairs, which it leaves out, go to `signing` (the
    /// verifier reads the signature's fields in the same pass).
    func resourceBytes(signing: (SigningParameters.QueryField, SigningParameters.Bytes) -> Void = { _, _ in }) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(scheme.utf8.count + host.utf8.count + path.utf8.count + (query?.utf8.count ?? 0) + 4)
        output.append(contentsOf: scheme.utf8)
        output.append(contentsOf: "://".utf8)
        output.append(contentsOf: host.utf8)
        output.append(contentsOf: path.utf8)
        if let query {
            let mark = output.count
            output.append(UInt8(ascii: "?"))
            if !SigningParameters.appendQuery(query, strippedInto: &output, signing: signing) {
                output.removeSubrange(mark...)
            }
        }
        return output
    }

    /// How many bytes of `resourceBytes()` come before the path: `scheme://host`.
    var resourcePrefixCount: Int { scheme.utf8.count + 3 + host.utf8.count }
}
