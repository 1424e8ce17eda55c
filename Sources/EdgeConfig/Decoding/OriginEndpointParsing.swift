#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension OriginEndpoint {
    /// What an origin's endpoint with a path should say instead.
    static let s3PathAdvice = "put the bucket in bucket and a key prefix in key_prefix"

    /// Parses `scheme://host[:port]` with an optional trailing "/". Anything
    /// else a URL can carry (path, query, fragment, user:password@) is refused:
    /// the bucket and prefix have their own keys, credentials too. Messages
    /// never quote a value that may hold credentials.
    /// `pathAdvice` ends the message for a URL with a path: what to do with it instead.
    static func parse(_ text: String, pathAdvice: String = s3PathAdvice) -> Result<OriginEndpoint, ValueProblem> {
        let value = quoted(text)
        let separator = text.range(of: "://")
        let rest = separator.map { text[$0.upperBound...] } ?? text[...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            return .failure(ValueProblem(
                "must not contain credentials (user:password@); remove them from the URL and use credentials instead"))
        }
        guard let separator else {
            return .failure(ValueProblem("\(value) has no scheme; write \(quoted("https://" + text))"))
        }
        guard let scheme = Scheme(rawValue: text[..<separator.lowerBound].lowercased()) else {
            return .failure(ValueProblem(
                "\(value) uses the scheme \(quoted(text[..<separator.lowerBound])); "
                    + "write https:// (or http:// for local testing only)"))
        }
        let base = "\(scheme.rawValue)://\(authority)"
        let tail = rest[authority.endIndex...]
        if tail.contains("?") || tail.contains("#") {
            return .failure(ValueProblem(
                "must be only scheme://host[:port]; remove the query string or fragment after \(quoted(base))"))
        }
        if !tail.isEmpty, tail != "/" {
            return .failure(ValueProblem(
                "\(value) has a path (\(quoted(tail))); the endpoint is only scheme://host[:port]: \(pathAdvice)"))
        }
        return parseAuthority(authority, scheme: scheme, value: value)
    }

    private static func parseAuthority(
        _ authority: Substring, scheme: Scheme, value: String
    ) -> Result<OriginEndpoint, ValueProblem> {
        var host: String
        var portText: Substring?
        if authority.hasPrefix("[") {
            let open = authority.index(after: authority.startIndex)
            guard let close = authority.firstIndex(of: "]"), let address = ipv6(authority[open..<close]) else {
                return .failure(ValueProblem("\(value) does not have a valid IPv6 address in brackets"))
            }
            host = address
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(ValueProblem("\(value) has text after \"]\"")) }
                portText = after.dropFirst()
            }
        } else {
            let colons = authority.filter { $0 == ":" }.count
            if colons > 1 {
                return .failure(ValueProblem("\(value): write IPv6 addresses in brackets, e.g. \"http://[::1]:9000\""))
            }
            let hostPart = authority.prefix { $0 != ":" }
            if colons == 1 { portText = authority[authority.index(after: hostPart.endIndex)...] }
            guard !hostPart.isEmpty else {
                return .failure(ValueProblem("\(value) has no host; write e.g. \"https://s3.eu-west-2.amazonaws.com\""))
            }
            if hostPart.allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
                guard isIPv4(hostPart) else {
                    return .failure(ValueProblem("\(value): \(quoted(hostPart)) is not a valid IPv4 address"))
                }
                host = String(hostPart)
            } else {
                switch normalizeHostname(String(hostPart), allowWildcard: false) {
                case .success(let name): host = name
                case .failure(let problem): return .failure(ValueProblem("\(value): \(problem.message)"))
                }
            }
        }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let number = Int(portText),
                (1...65535).contains(number)
            else {
                return .failure(ValueProblem(
                    "\(value) has an invalid port \(quoted(portText)); use a number from 1 to 65535"))
            }
            port = number
        }
        return .success(OriginEndpoint(scheme: scheme, host: host, port: port))
    }
}

/// Four decimal octets 0-255 without leading zeros.
private func isIPv4(_ text: Substring) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts.allSatisfy { part in
        (1...3).contains(part.count) && (part == "0" || !part.hasPrefix("0")) && (Int(part) ?? 256) <= 255
    }
}

/// The canonical text form of an IPv6 address, or nil.
private func ipv6(_ text: Substring) -> String? {
    var address = in6_addr()
    guard inet_pton(AF_INET6, String(text), &address) == 1 else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let ok = buffer.withUnsafeMutableBufferPointer { out in
        inet_ntop(AF_INET6, &address, out.baseAddress, socklen_t(out.count)) != nil
    }
    guard ok else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension ConfigEntry {
    /// An endpoint URL (`OriginEndpoint.parse`), reported at this entry when malformed.
    func endpoint(
        example: String, pathAdvice: String = OriginEndpoint.s3PathAdvice, _ diagnostics: inout Diagnostics
    ) -> OriginEndpoint? {
        guard let text = string(expected: "a URL such as \(example)", &diagnostics) else { return nil }
        switch OriginEndpoint.parse(text, pathAdvice: pathAdvice) {
        case .success(let endpoint):
            return endpoint
        case .failure(let problem):
            self.problem(problem.message, &diagnostics)
            return nil
        }
    }
}
