/// Receives a record's fields in order, each with its CloudFront name. The one list of fields
/// (``AccessLogRecord/visitFields(logCookies:_:)``) then serves the W3C line, the JSON line and
/// the `#Fields` header alike.
protocol AccessLogFieldVisitor {
    mutating func dateTime(_ date: StaticString, _ time: StaticString, nanoseconds: Int64)
    mutating func text(_ name: StaticString, _ value: String?)
    mutating func integer(_ name: StaticString, _ value: Int?)
    mutating func seconds(_ name: StaticString, _ value: Duration?)
}

extension AccessLogRecord {
    /// CloudFront's 33 standard-log fields in their documented order, then `x-distribution-id`.
    /// `fle-status` and `fle-encrypted-fields` (field-level encryption) never apply here.
    func visitFields(logCookies: Bool, _ visitor: inout some AccessLogFieldVisitor) {
        visitor.dateTime("date", "time", nanoseconds: startTime)
        visitor.text("x-edge-location", edgeLocation)
        visitor.integer("sc-bytes", bytesSent)
        visitor.text("c-ip", clientIP)
        visitor.text("cs-method", method)
        visitor.text("cs(Host)", host)
        visitor.text("cs-uri-stem", uriStem)
        visitor.integer("sc-status", status)
        visitor.text("cs(Referer)", referer)
        visitor.text("cs(User-Agent)", userAgent)
        visitor.text("cs-uri-query", uriQuery)
        visitor.text("cs(Cookie)", logCookies ? cookie : nil)
        visitor.text("x-edge-result-type", edgeResultType.rawValue)
        visitor.text("x-edge-request-id", requestID)
        visitor.text("x-host-header", hostHeader)
        visitor.text("cs-protocol", self.protocol.rawValue)
        visitor.integer("cs-bytes", requestBytes)
        visitor.seconds("time-taken", timeTaken)
        visitor.text("x-forwarded-for", forwardedFor)
        visitor.text("ssl-protocol", sslProtocol)
        visitor.text("ssl-cipher", sslCipher)
        visitor.text("x-edge-response-result-type", (edgeResponseResultType ?? edgeResultType).rawValue)
        visitor.text("cs-protocol-version", protocolVersion.rawValue)
        visitor.text("fle-status", nil)
        visitor.text("fle-encrypted-fields", nil)
        visitor.integer("c-port", clientPort)
        visitor.seconds("time-to-first-byte", timeToFirstByte)
        visitor.text("x-edge-detailed-result-type", edgeDetailedResultType ?? edgeResultType.rawValue)
        visitor.text("sc-content-type", contentType)
        visitor.integer("sc-content-len", contentLength)
        visitor.integer("sc-range-start", rangeStart)
        visitor.integer("sc-range-end", rangeEnd)
        visitor.text("x-distribution-id", distributionID)
    }
}

/// Tab-separated values, `-` for what is missing (the `\n` is the formatter's).
struct W3CLineWriter: AccessLogFieldVisitor {
    var out: LineBytes
    private var first = true

    init(_ out: LineBytes) {
        self.out = out
    }

    private mutating func separate() {
        if first { first = false } else { out.byte(UInt8(ascii: "\t")) }
    }

    mutating func dateTime(_ date: StaticString, _ time: StaticString, nanoseconds: Int64) {
        let civil = CivilTime(nanosecondsSince1970: nanoseconds)
        separate()
        out.date(civil)
        separate()
        out.timeOfDay(civil)
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        separate()
        if let value { out.w3cField(value) } else { out.byte(UInt8(ascii: "-")) }
    }

    mutating func integer(_ name: StaticString, _ value: Int?) {
        separate()
        if let value { out.decimal(value) } else { out.byte(UInt8(ascii: "-")) }
    }

    mutating func seconds(_ name: StaticString, _ value: Duration?) {
        separate()
        if let value { out.seconds(value) } else { out.byte(UInt8(ascii: "-")) }
    }
}

/// One JSON object: CloudFront's names as keys, numbers as numbers, `null` for what is missing
/// (the closing `}` and the `\n` are the formatter's).
struct JSONLineWriter: AccessLogFieldVisitor {
    var out: LineBytes
    private var first = true

    init(_ out: LineBytes) {
        self.out = out
    }

    private mutating func key(_ name: StaticString) {
        out.byte(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        first = false
        out.byte(UInt8(ascii: "\""))
        out.ascii(name)
        out.ascii("\":")
    }

    mutating func dateTime(_ date: StaticString, _ time: StaticString, nanoseconds: Int64) {
        let civil = CivilTime(nanosecondsSince1970: nanoseconds)
        key(date)
        out.byte(UInt8(ascii: "\""))
        out.date(civil)
        out.byte(UInt8(ascii: "\""))
        key(time)
        out.byte(UInt8(ascii: "\""))
        out.timeOfDay(civil)
        out.byte(UInt8(ascii: "\""))
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        key(name)
        if let value, !value.isEmpty { out.jsonString(value) } else { out.ascii("null") }
    }

    mutating func integer(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { out.decimal(value) } else { out.ascii("null") }
    }

    mutating func seconds(_ name: StaticString, _ value: Duration?) {
        key(name)
        if let value { out.seconds(value) } else { out.ascii("null") }
    }
}

/// The most bytes a record's line can take in `format`, `\n` included: each field's worst case
/// (every byte of a text escaped) plus what surrounds it. Sizes the line's buffer.
struct LineLengthBound: AccessLogFieldVisitor {
    let format: AccessLogFormat
    private(set) var total = 2

    init(format: AccessLogFormat) {
        self.format = format
    }

    /// A field's separator (W3C) or key and punctuation (JSON: `,"name":`).
    private mutating func add(_ name: StaticString, value: Int) {
        total += (format == .w3c ? 1 : name.utf8CodeUnitCount + 4) + value
    }

    mutating func dateTime(_ date: StaticString, _ time: StaticString, nanoseconds: Int64) {
        add(date, value: LineBytes.maxDateLength + 2)
        add(time, value: LineBytes.timeOfDayLength + 2)
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        let length = value?.utf8.count ?? 0
        add(name, value: format == .w3c ? max(1, 3 * length) : max(4, 6 * length + 2))
    }

    mutating func integer(_ name: StaticString, _ value: Int?) {
        add(name, value: LineBytes.maxDecimalLength)
    }

    mutating func seconds(_ name: StaticString, _ value: Duration?) {
        add(name, value: LineBytes.maxSecondsLength)
    }
}

/// The field names, space-separated, for the W3C `#Fields:` directive.
struct FieldNameCollector: AccessLogFieldVisitor {
    var names: [UInt8] = []

    private mutating func add(_ name: StaticString) {
        if !names.isEmpty { names.append(UInt8(ascii: " ")) }
        name.withUTF8Buffer { names.append(contentsOf: $0) }
    }

    mutating func dateTime(_ date: StaticString, _ time: StaticString, nanoseconds: Int64) {
        add(date)
        add(time)
    }

    mutating func text(_ name: StaticString, _ value: String?) { add(name) }
    mutating func integer(_ name: StaticString, _ value: Int?) { add(name) }
    mutating func seconds(_ name: StaticString, _ value: Duration?) { add(name) }
}
