#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ListenAddress {
    /// Parses "host:port" or "[ipv6]:port". Hosts are IPv4 literals, IPv6
    /// literals in brackets, or DNS names such as "localhost".
    static func parse(_ text: String, line: Int) -> Result<ListenAddress, ValueProblem> {
        let value = quoted(text)
        let hostPart: Substring
        let portPart: Substring
        var host: String
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(ValueProblem("\(value) has no closing \"]\"; write IPv6 addresses as \"[::1]:443\""))
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(ValueProblem("\(value) has no port; write host:port, e.g. \"[\(hostPart)]:443\""))
            }
            portPart = rest.dropFirst()
            guard let canonical = canonicalIPv6(String(hostPart)) else {
                return .failure(ValueProblem("\(value): \(quoted(hostPart)) is not a valid IPv6 address"))
            }
            host = canonical
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
                    return .failure(ValueProblem(
                        "\(value) has no host; write \"0.0.0.0:\(text)\" for every IPv4 address "
                            + "or \"[::]:\(text)\" for every IPv6 address"))
                }
                return .failure(ValueProblem("\(value) has no port; write host:port, e.g. \"\(text):443\""))
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                return .failure(ValueProblem("\(value): write IPv6 addresses in brackets, e.g. \"[::1]:443\""))
            }
            if hostPart.isEmpty {
                return .failure(ValueProblem(
                    "\(value) has no host; write \"0.0.0.0\(text)\" for every IPv4 address "
                        + "or \"[::]\(text)\" for every IPv6 address"))
            }
            if hostPart.allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
                guard let canonical = canonicalIPv4(hostPart) else {
                    return .failure(ValueProblem("\(value): \(quoted(hostPart)) is not a valid IPv4 address"))
                }
                host = canonical
            } else {
                switch normalizeHostname(String(hostPart), allowWildcard: false) {
                case .success(let name): host = name
                case .failure(let problem): return .failure(ValueProblem("\(value): \(problem.message)"))
                }
            }
        }
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCIIDigit), let port = Int(portPart) else {
            return .failure(ValueProblem(
                "\(value) has an invalid port \(quoted(portPart)); use a number from 1 to 65535"))
        }
        guard (1...65535).contains(port) else {
            return .failure(ValueProblem("\(value): port \(port) is out of range; use 1-65535"))
        }
        return .success(ListenAddress(host: host, port: port, line: line))
    }
}

/// Four decimal octets 0-255 without leading zeros (which some parsers read as octal).
private func canonicalIPv4(_ text: Substring) -> String? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    for part in parts {
        guard (1...3).contains(part.count), let octet = Int(part), octet <= 255,
            part == "0" || !part.hasPrefix("0")
        else { return nil }
    }
    return String(text)
}

/// The canonical text form of an IPv6 address (so "0::0" and "::" compare equal).
private func canonicalIPv6(_ text: String) -> String? {
    var address = in6_addr()
    guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let ok = buffer.withUnsafeMutableBufferPointer { out in
        inet_ntop(AF_INET6, &address, out.baseAddress, socklen_t(out.count)) != nil
    }
    guard ok else { return nil }
    let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

extension Character {
    var isASCIIDigit: Bool {
        isASCII && isNumber
    }
}
