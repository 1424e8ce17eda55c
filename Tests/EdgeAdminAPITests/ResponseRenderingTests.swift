import EdgeAdminAPI
import Testing

/// The documents are compared byte for byte with Fixtures/responses, which
/// Fixtures/check_botocore.py feeds to botocore (see Fixtures/README.md).
@Suite("Response documents")
struct ResponseRenderingTests {
    /// 2026-11-29T20:31:05.123Z.
    let created = CloudFrontTimestamp(secondsSince1970: 1_795_984_265, milliseconds: 123)

    @Test("GetInvalidation / CreateInvalidation: the Invalidation document")
    func invalidation() throws {
        let document = InvalidationDocument(id: "I2J0I21PCUYOIK", status: .completed, createTime: created,
                                            callerReference: "cli-1700000000-123", paths: ["/index.html", "/images/*"])
        #expect(document.xml() == (try fixture("responses/get-invalidation.xml")))
    }

    @Test("every text value is escaped: <&>\"' in id, paths and caller reference, CR as &#13;")
    func escaping() throws {
        let document = InvalidationDocument(
            id: "IEXAMPLE<1>", status: .inProgress,
            createTime: CloudFrontTimestamp(secondsSince1970: 1_709_251_199, milliseconds: 7),
            callerReference: "ref & <ok> \"quoted\" 'single'",
            paths: ["/a&b<c>.html", "/café \"q\" 's'.png", "/line\r\nbreak]]>*"])
        let rendered = document.xml()
        #expect(rendered == (try fixture("responses/invalidation-escaped.xml")))
        // Read back by the strict reader: the same values, nothing extra.
        let root = try StrictXMLReader().parse(rendered)
        #expect(root.child("Id")?.text == document.id)
        #expect(root.child("InvalidationBatch")?.child("CallerReference")?.text == document.callerReference)
        #expect(root.child("InvalidationBatch")?.child("Paths")?.child("Items")?.children("Path").map(\.text)
            == document.paths)
    }

    @Test("characters XML cannot carry are replaced with U+FFFD, so the document stays readable")
    func unrepresentable() throws {
        let document = InvalidationDocument(id: "I", status: .completed, createTime: created,
                                            callerReference: "a\u{0}b\u{1B}c\u{FFFE}", paths: ["/x\u{7}"])
        let root = try StrictXMLReader().parse(document.xml())
        #expect(root.child("InvalidationBatch")?.child("CallerReference")?.text == "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        #expect(root.child("InvalidationBatch")?.child("Paths")?.child("Items")?.child("Path")?.text == "/x\u{FFFD}")
    }

    @Test("an Invalidation without paths has Quantity 0 and no Items")
    func noPaths() throws {
        let document = InvalidationDocument(id: "I", status: .completed, createTime: created, callerReference: "r",
                                            paths: [])
        let paths = try #require(try StrictXMLReader().parse(document.xml()).child("InvalidationBatch")?.child("Paths"))
        #expect(paths.children.map(\.name) == ["Quantity"])
        #expect(paths.child("Quantity")?.text == "0")
    }

    @Test("ListInvalidations: a truncated first page has NextMarker")
    func listFirstPage() throws {
        let document = InvalidationListDocument(marker: "", nextMarker: "I2J0I21PCUYOIK", maxItems: 2, isTruncated: true,
                                                items: [
            .init(id: "I3NEWEST", createTime: created, status: .inProgress),
            .init(id: "I2J0I21PCUYOIK", createTime: CloudFrontTimestamp(secondsSince1970: 1_795_984_199),
                  status: .completed),
        ])
        #expect(document.xml() == (try fixture("responses/list-invalidations-first-page.xml")))
    }

    @Test("ListInvalidations: the last page has no NextMarker, even if one is given")
    func listLastPage() throws {
        let document = InvalidationListDocument(marker: "I2J0I21PCUYOIK", nextMarker: "ignored", maxItems: 2,
                                                isTruncated: false, items: [
            .init(id: "I1OLDEST", createTime: CloudFrontTimestamp(secondsSince1970: 946_684_799, milliseconds: 999),
                  status: .completed),
        ])
        #expect(document.xml() == (try fixture("responses/list-invalidations-last-page.xml")))
    }

    @Test("ListInvalidations: no invalidations means Quantity 0 and no Items element")
    func listEmpty() throws {
        let document = InvalidationListDocument(marker: "", nextMarker: nil, maxItems: 100, isTruncated: false, items: [])
        #expect(document.xml() == (try fixture("responses/list-invalidations-empty.xml")))
    }

    @Test("a list document built from a page echoes its marker, size and next marker")
    func listFromPage() throws {
        let ids = ["I5", "I4", "I3", "I2", "I1"]
        let page = try InvalidationPaging.page(ids: ids, marker: "I4", maxItems: "2")
        let items = page.ids.map { InvalidationListDocument.Summary(id: $0, createTime: created, status: .completed) }
        let root = try StrictXMLReader().parse(InvalidationListDocument(page: page, items: items).xml())
        #expect(root.children.map(\.name) == ["Marker", "NextMarker", "MaxItems", "IsTruncated", "Quantity", "Items"])
        #expect(root.child("Marker")?.text == "I4")
        #expect(root.child("NextMarker")?.text == "I2")
        #expect(root.child("MaxItems")?.text == "2")
        #expect(root.child("IsTruncated")?.text == "true")
        #expect(root.child("Items")?.children("InvalidationSummary").compactMap { $0.child("Id")?.text } == ["I3", "I2"])
    }
}

@Suite("CloudFrontTimestamp")
struct CloudFrontTimestampTests {
    @Test("ISO 8601 in UTC with milliseconds", arguments: [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (1_795_984_265, 123, "2026-11-29T20:31:05.123Z"),
        (951_782_400, 5, "2000-02-29T00:00:00.005Z"),
        (1_709_251_199, 999, "2024-02-29T23:59:59.999Z"),
        (4_107_542_400, 0, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799, 999, "9999-12-31T23:59:59.999Z"),
        (-1, 0, "1969-12-31T23:59:59.000Z"),
        (-62_135_596_800, 0, "0001-01-01T00:00:00.000Z"),
    ] as [(Int64, Int, String)])
    func format(seconds: Int64, milliseconds: Int, text: String) {
        #expect(CloudFrontTimestamp(secondsSince1970: seconds, milliseconds: milliseconds).iso8601 == text)
    }

    @Test("every day of four centuries has the date of the next day minus one")
    func consecutiveDays() {
        // 1900-03-01 to 2300-03-01 spans leap and non-leap centuries. Day n+1 must be the
        // day after day n in the calendar: same month and day+1, or the 1st of the next month.
        let daysInMonth: (Int, Int) -> Int = { year, month in
            switch month {
            case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
        var expected = (year: 1900, month: 3, day: 1)
        for day in Int64(-25_508)..<Int64(120_589) {
            let text = CloudFrontTimestamp(secondsSince1970: day * 86400 + 43200).iso8601
            let wanted = "\(expected.year)-\(expected.month < 10 ? "0" : "")\(expected.month)-"
                + "\(expected.day < 10 ? "0" : "")\(expected.day)T12:00:00.000Z"
            guard text == wanted else {
                Issue.record("day \(day): \(text), expected \(wanted)")
                return
            }
            expected.day += 1
            if expected.day > daysInMonth(expected.year, expected.month) {
                expected = expected.month == 12 ? (expected.year + 1, 1, 1) : (expected.year, expected.month + 1, 1)
            }
        }
        #expect(expected == (2300, 3, 1))
    }

    @Test("milliseconds outside 0...999 carry into the seconds")
    func carry() {
        #expect(CloudFrontTimestamp(secondsSince1970: 10, milliseconds: 1500)
            == CloudFrontTimestamp(secondsSince1970: 11, milliseconds: 500))
        #expect(CloudFrontTimestamp(secondsSince1970: 10, milliseconds: -1)
            == CloudFrontTimestamp(secondsSince1970: 9, milliseconds: 999))
        #expect(CloudFrontTimestamp(secondsSince1970: 0, milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(CloudFrontTimestamp(secondsSince1970: 9, milliseconds: 999) < CloudFrontTimestamp(secondsSince1970: 10))
    }
}
