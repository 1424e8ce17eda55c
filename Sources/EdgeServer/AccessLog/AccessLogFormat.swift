/// `access_log.format`: how each request's line is written.
public enum AccessLogFormat: String, Sendable, Hashable, CaseIterable {
    /// W3C extended log format, like CloudFront's standard logs: tab-separated values in the
    /// order of the `#Fields:` directive that starts each file, `-` for missing values, and
    /// URL-encoded (`%XX`) bytes where a value holds anything that could break a field or line.
    case w3c
    /// JSON lines: one object per request, CloudFront's field names as keys, numbers as numbers,
    /// `null` for missing values.
    case json
}

/// Turns records into lines. Formats into stack memory sized for the record's worst case and
/// allocates nothing of its own, so it is cheap enough to run on an event loop for every request.
public struct AccessLogFormatter: Sendable {
    public let format: AccessLogFormat
    /// Whether `cs(Cookie)` holds the viewer's `Cookie` header; when false it is always `-`
    /// (cookies are often credentials).
    public let logCookies: Bool

    public init(format: AccessLogFormat, logCookies: Bool = false) {
        self.format = format
        self.logCookies = logCookies
    }

    /// Appends `record`'s line, `\n` included.
    public func append(_ record: AccessLogRecord, to line: inout [UInt8]) {
        withLine(record) { line.append(contentsOf: $0) }
    }

    /// Formats `record`'s line (`\n` included) into memory on the stack when it fits there,
    /// and hands it to `body`; the bytes are valid only during the call.
    func withLine<Result>(_ record: AccessLogRecord, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var bound = LineLengthBound(format: format)
        record.visitFields(logCookies: logCookies, &bound)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound.total) { buffer in
            var out = LineBytes(buffer)
            switch format {
            case .w3c:
                var writer = W3CLineWriter(out)
                record.visitFields(logCookies: logCookies, &writer)
                out = writer.out
            case .json:
                var writer = JSONLineWriter(out)
                record.visitFields(logCookies: logCookies, &writer)
                out = writer.out
                out.byte(UInt8(ascii: "}"))
            }
            out.byte(UInt8(ascii: "\n"))
            return body(out.written)
        }
    }

    /// `record`'s line as text, `\n` included.
    public func line(_ record: AccessLogRecord) -> String {
        var bytes: [UInt8] = []
        append(record, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What starts a new or empty file (and stderr): for W3C, the `#Version: 1.0` and
    /// `#Fields: …` directives CloudFront's files start with; nothing for JSON.
    public var fileHeader: [UInt8] {
        guard format == .w3c else { return [] }
        var names = FieldNameCollector()
        Self.headerRecord.visitFields(logCookies: false, &names)
        return Array("#Version: 1.0\n#Fields: ".utf8) + names.names + [UInt8(ascii: "\n")]
    }

    /// The line written where `count` lines were dropped because more than `limit` bytes were
    /// waiting: a W3C `#Remark:` directive, or a JSON object without request fields.
    func droppedNotice(count: Int, limit: Int) -> [UInt8] {
        let text = switch format {
        case .w3c:
            "#Remark: s3edge dropped \(count) access log lines: more than \(limit) bytes were waiting to be written\n"
        case .json:
            "{\"s3edge-dropped-lines\":\(count),\"s3edge-pending-limit-bytes\":\(limit)}\n"
        }
        return Array(text.utf8)
    }

    /// Any record: the header only needs the field names.
    private static let headerRecord = AccessLogRecord(
        startTime: 0, edgeLocation: "", bytesSent: 0, clientIP: "", method: "", uriStem: "", status: 0,
        edgeResultType: .miss, requestID: "", protocol: .http, requestBytes: 0, timeTaken: .zero,
        protocolVersion: .http1_1
    )
}
