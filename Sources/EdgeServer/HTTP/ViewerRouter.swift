import EdgeConfig
import NIOHTTP1

/// Decides the response to a viewer request from the configuration alone: which distribution
/// serves the host, what the viewer protocol policy says for plain HTTP, and the hygiene limits.
/// Pure, so every rule is tested without sockets.
struct ViewerRouter {
    let configuration: EdgeConfiguration

    /// Port for `Location` on redirects: the first HTTPS listener's.
    var httpsPort: Int { configuration.listen.https.first?.port ?? 443 }

    enum Route {
        /// Answered without the origin.
        case respond(ViewerResponse)
        /// For the distribution's origin (GET, HEAD and, where the behavior allows it, CORS
        /// preflight OPTIONS), under the behavior its path selects.
        case origin(Distribution, BehaviorChoice)
    }

    /// The cache behavior a request falls under, and its position (the distribution's
    /// behaviors in order, then its default behavior), which indexes per-behavior state such
    /// as `OriginRoute.cachePolicies`.
    struct BehaviorChoice {
        var behavior: CacheBehavior
        var index: Int
    }

    /// First match wins over the percent-decoded path (the path the S3 key is made from, so
    /// `/%69nvoices/a.pdf` falls under `/invoices/*` like `/invoices/a.pdf`).
    static func behavior(of distribution: Distribution, target: String) -> BehaviorChoice {
        let path = decodedPath(target)
        for (index, behavior) in distribution.behaviors.enumerated() where behavior.pathPattern.matches(utf8: path) {
            return BehaviorChoice(behavior: behavior, index: index)
        }
        return BehaviorChoice(behavior: distribution.defaultBehavior, index: distribution.behaviors.count)
    }

    /// The target's path without its query, every valid `%XX` decoded.
    static func decodedPath(_ target: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var utf8 = target.utf8[...]
        if let query = utf8.firstIndex(of: UInt8(ascii: "?")) { utf8 = utf8[..<query] }
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex),
               let low = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let h = hexValue(utf8[high]), let l = hexValue(utf8[low]) {
                bytes.append(h << 4 | l)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A request on the HTTPS listener (or plain HTTP under `allow-all`).
    func https(_ head: HTTPRequestHead) -> Route {
        guard let host = Self.host(of: head) else {
            return .respond(.error(.badRequest, "the request has no valid Host header", close: true))
        }
        guard let distribution = configuration.distribution(forHost: host.name) else {
            return .respond(.error(.misdirectedRequest, "no distribution serves host \"\(host.name)\" on this edge"))
        }
        let choice = Self.behavior(of: distribution, target: Self.path(of: head) ?? head.uri)
        let allowed = choice.behavior.allowedMethods
        guard allowed.allows(head.method.rawValue) else {
            let scope = choice.index < distribution.behaviors.count
                ? "the behavior \"\(choice.behavior.pathPattern)\" of distribution \(distribution.id)" : "distribution \(distribution.id)"
            return .respond(.error(
                .forbidden, "method \(head.method.rawValue) is not allowed by \(scope) (allowed: \(allowed.methods.joined(separator: ", ")))"
            ))
        }
        return .origin(distribution, choice)
    }

    /// The answer when the distribution has no origin in the configuration.
    static func noOrigin(_ distribution: Distribution) -> ViewerResponse {
        .error(.serviceUnavailable, "distribution \(distribution.id) has no origin configured yet; add an origin for it to the configuration")
    }

    /// A request on the plain HTTP listener, under the viewer protocol policy.
    func plainHTTP(_ head: HTTPRequestHead) -> ViewerResponse? {
        guard let host = Self.host(of: head) else {
            return .error(.badRequest, "the request has no valid Host header", close: true)
        }
        guard let distribution = configuration.distribution(forHost: host.name) else {
            return .error(.misdirectedRequest, "no distribution serves host \"\(host.name)\" on this edge")
        }
        let policy = Self.behavior(of: distribution, target: Self.path(of: head) ?? head.uri).behavior
            .protocolPolicy(viewer: configuration.viewer)
        switch policy {
        case .allowAll:
            return nil
        case .httpsOnly:
            return .error(.forbidden, "this distribution is served over HTTPS only; use https://\(host.name)")
        case .redirectToHTTPS:
            guard head.method == .GET || head.method == .HEAD else {
                return .error(.forbidden, "plain HTTP \(head.method.rawValue) is not redirected; send it over HTTPS")
            }
            guard let path = Self.path(of: head) else {
                return .error(.badRequest, "request target \"\(head.uri)\" is not an absolute path", close: true)
            }
            let port = httpsPort == 443 ? "" : ":\(httpsPort)"
            let location = "https://\(host.authorityName)\(port)\(path)"
            return ViewerResponse(
                status: .movedPermanently,
                headers: [("Location", location)],
                body: "s3edge: moved to \(location)\n"
            )
        }
    }

    /// The host a request is for. An absolute-form target's authority wins over `Host`
    /// (RFC 9112 §3.2.2); more than one `Host` (or an HTTP/2 `host` that differs from
    /// `:authority`, which arrives as a second `host`) makes the request malformed.
    static func host(of head: HTTPRequestHead) -> RequestHost? {
        let hosts = head.headers["host"]
        if hosts.count > 1 && (head.version.major == 1 || Set(hosts.map { $0.lowercased() }).count > 1) { return nil }
        if let authority = absoluteFormAuthority(head.uri) { return RequestHost(String(authority)) }
        return RequestHost(hosts.first)
    }

    /// The origin-form path and query of the request target, or nil when it is neither
    /// origin-form nor absolute-form.
    static func path(of head: HTTPRequestHead) -> String? {
        if head.uri.hasPrefix("/") { return head.uri }
        guard let authority = absoluteFormAuthority(head.uri) else { return nil }
        let rest = head.uri[authority.endIndex...]
        return rest.isEmpty ? "/" : rest.first == "/" ? String(rest) : rest.first == "?" ? "/" + rest : nil
    }

    private static func absoluteFormAuthority(_ uri: String) -> Substring? {
        let lowered = uri.prefix(8).lowercased()
        let schemeLength = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        guard schemeLength > 0 else { return nil }
        let afterScheme = uri.dropFirst(schemeLength)
        let end = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        return afterScheme[..<end]
    }

    /// Header bytes as they count against `limits.max_header_size`.
    static func headerSize(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count + head.method.rawValue.utf8.count) {
            $0 + $1.name.utf8.count + $1.value.utf8.count + 4
        }
    }
}

/// The host named by a `Host` header (or HTTP/2 `:authority`), port stripped and lowercased.
/// Anything that is not a DNS name or an IP literal is refused, so it cannot be reflected into
/// a `Location` header.
struct RequestHost {
    /// Lowercased, no port, IPv6 without brackets.
    let name: String
    /// How to write it back in a URL (IPv6 in brackets).
    let authorityName: String

    init?(_ header: String?) {
        guard var value = header?.lowercased(), !value.isEmpty, value.utf8.count <= 255 else { return nil }
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            let literal = value[value.index(after: value.startIndex)..<close]
            let rest = value[value.index(after: close)...]
            guard !literal.isEmpty, literal.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }),
                  rest.isEmpty || RequestHost.isPort(rest.dropFirst()) && rest.first == ":"
            else { return nil }
            name = String(literal)
            authorityName = "[\(literal)]"
            return
        }
        if let colon = value.lastIndex(of: ":") {
            guard RequestHost.isPort(value[value.index(after: colon)...]) else { return nil }
            value = String(value[..<colon])
        }
        if value.hasSuffix(".") { value.removeLast() }
        guard !value.isEmpty, value.utf8.allSatisfy({ RequestHost.allowed($0) }) else { return nil }
        name = value
        authorityName = value
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return Int(text).map { $0 <= 65_535 } ?? false
    }

    private static func allowed(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F
    }
}
