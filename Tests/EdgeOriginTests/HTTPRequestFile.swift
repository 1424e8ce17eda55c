import EdgeOrigin
import EdgeTLS

/// A request as the SigV4 suites write it (`.req`, `request.txt`, `*-signed-request.txt`):
/// request line, `Name:value` headers with folded continuation lines, blank line, body.
struct HTTPRequestFile {
    var method: String
    /// The request target from the request line, exactly as written (path and query, raw).
    var target: String
    /// The path from the request line, as the suite wrote it (raw, not encoded).
    var path: String
    /// Query parameters from the request line, percent-decoded.
    var query: [(name: String, value: String)]
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        let requestLine = lines.removeFirst()
        // The target may contain spaces (`GET /example space/ HTTP/1.1`): cut at the first and last.
        let firstSpace = requestLine.firstIndex(of: " ")!
        let lastSpace = requestLine.lastIndex(of: " ")!
        method = String(requestLine[..<firstSpace])
        let target = requestLine[requestLine.index(after: firstSpace)..<lastSpace]
        self.target = String(target)
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        query = parts.count < 2 || parts[1].isEmpty ? [] : parts[1].split(separator: "&").map { pair in
            let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.percentDecoded(nameAndValue[0]), nameAndValue.count > 1 ? Self.percentDecoded(nameAndValue[1]) : "")
        }
        headers = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else {
                let colon = line.firstIndex(of: ":")!
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        body = Array(lines.dropFirst().joined(separator: "\n").utf8)
    }

    var payloadHash: SigV4PayloadHash {
        SigV4PayloadHash(sha256Hex: HexEncoding.lowercase(SHA256.hash(body)))
    }

    /// The request as a server would receive it, for `SigV4Verifier`.
    var received: SigV4ReceivedRequest {
        SigV4ReceivedRequest(method: method, target: target, headers: headers, body: body)
    }

    func sigV4Request(payloadHash: SigV4PayloadHash? = nil) -> SigV4Request {
        SigV4Request(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash ?? self.payloadHash)
    }

    /// Values of every header named `name`, compared case-insensitively.
    func values(of name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), utf8.distance(from: index, to: utf8.endIndex) >= 3,
                case let hex = String(decoding: utf8[utf8.index(after: index)..<utf8.index(index, offsetBy: 3)], as: UTF8.self),
                hex.allSatisfy(\.isHexDigit), let value = UInt8(hex, radix: 16)
            {
                bytes.append(value)
                index = utf8.index(index, offsetBy: 3)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
