/// Turns the lines curl's header callback passes (one per call, CRLF included) into the final
/// response head. Interim `1xx` blocks (`100 Continue`, `103 Early Hints`) are skipped; lines after
/// the final head (chunked trailers) are ignored.
struct ResponseHeadParser {
    enum Outcome: Equatable {
        /// Keep feeding lines.
        case needMore
        /// The head of an interim `1xx` response ended; a new block follows.
        case interim(status: Int)
        /// The final head is complete.
        case complete(status: Int, headers: [Header])
        case invalid(reason: String)
    }

    struct Header: Equatable {
        var name: String
        var value: String
    }

    private var status: Int?
    private var headers: [Header] = []
    private(set) var isComplete = false

    mutating func consume(line bytes: UnsafeRawBufferPointer) -> Outcome {
        guard !isComplete else { return .needMore }
        // Trim CR/LF as bytes: in a Swift String "\r\n" is one Character.
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self))

        guard let status else {
            return startBlock(line)
        }
        if line.isEmpty {
            return endBlock(status: status)
        }
        if let first = line.first, first == " " || first == "\t" {
            // obs-fold: a continuation of the previous header's value.
            guard !headers.isEmpty else { return .invalid(reason: "header continuation without a header") }
            headers[headers.count - 1].value += " " + trimmed(line)
            return .needMore
        }
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            return .invalid(reason: "malformed header line \(String(line.prefix(64)).debugDescription)")
        }
        headers.append(Header(name: String(line[..<colon]), value: trimmed(line[line.index(after: colon)...])))
        return .needMore
    }

    private mutating func startBlock(_ line: Substring) -> Outcome {
        // "HTTP/1.1 200 OK": version, space, three digits, then an optional reason.
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3,
              let code = Int(parts[1]), (100...599).contains(code) else {
            return .invalid(reason: "malformed status line \(String(line.prefix(64)).debugDescription)")
        }
        status = code
        headers = []
        return .needMore
    }

    private mutating func endBlock(status: Int) -> Outcome {
        // 101 would switch protocols: not something an origin may do to this client.
        if (100..<200).contains(status), status != 101 {
            self.status = nil
            headers = []
            return .interim(status: status)
        }
        isComplete = true
        return .complete(status: status, headers: headers)
    }

    private func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
