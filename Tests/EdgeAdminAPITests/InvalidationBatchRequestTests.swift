import EdgeAdminAPI
import Testing

@Suite("InvalidationBatchRequest: what botocore sends")
struct InvalidationBatchBotocoreTests {
    @Test("the bodies botocore put on the wire (Fixtures/requests) decode to what was sent")
    func capturedBodies() throws {
        let two = try InvalidationBatchRequest.decode(fixture("requests/create-invalidation-two-paths.xml"))
        #expect(two.callerReference == "cli-1700000000-123")
        #expect(two.paths == ["/index.html", "/images/*"])

        let wildcard = try InvalidationBatchRequest.decode(fixture("requests/create-invalidation-wildcard.xml"))
        #expect(wildcard.callerReference == "deploy-2026-11-29T20:31:05Z")
        #expect(wildcard.paths == ["/*"])

        let escaped = try InvalidationBatchRequest.decode(fixture("requests/create-invalidation-escaped.xml"))
        #expect(escaped.callerReference == "ref & <ok> \"quoted\"")
        #expect(escaped.paths == ["/a&b<c>.html", "/café \"q\" 's'.png", "/日本/½]]>*"])
    }

    @Test("the body of a real `aws cloudfront create-invalidation` (CallerReference first) decodes")
    func awsCLIBody() throws {
        let decoded = try InvalidationBatchRequest.decode(fixture("requests/aws-cli-create-invalidation.xml"))
        #expect(decoded.callerReference == "cli-1795984430-26916")
        #expect(decoded.paths == ["/index.html", "/images/*"])
    }

    @Test("a botocore body decoded, rendered in an Invalidation and read back keeps its paths and reference")
    func roundTrip() throws {
        for name in ["create-invalidation-two-paths", "create-invalidation-wildcard", "create-invalidation-escaped",
                     "aws-cli-create-invalidation"] {
            let sent = try InvalidationBatchRequest.decode(fixture("requests/\(name).xml"))
            let document = InvalidationDocument(id: "I1", status: .inProgress, createTime: .init(secondsSince1970: 0),
                                                callerReference: sent.callerReference, paths: sent.paths)
            let batch = try #require(try StrictXMLReader().parse(document.xml()).child("InvalidationBatch"))
            #expect(batch.child("CallerReference")?.text == sent.callerReference, "\(name)")
            #expect(batch.child("Paths")?.child("Items")?.children("Path").map(\.text) == sent.paths, "\(name)")
            #expect(batch.child("Paths")?.child("Quantity")?.text == String(sent.paths.count), "\(name)")
        }
    }

    @Test("the brief's example with a declaration, whitespace and indentation")
    func prettyPrinted() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
              <Paths><Quantity> 2 </Quantity><Items><Path>/index.html</Path><Path>/images/*</Path></Items></Paths>
              <CallerReference>cli-1700000000-123</CallerReference>
            </InvalidationBatch>
            """
        let decoded = try InvalidationBatchRequest.decode(Array(body.utf8))
        #expect(decoded.paths == ["/index.html", "/images/*"])
        #expect(decoded.callerReference == "cli-1700000000-123")
    }

    @Test("no namespace is accepted; unknown elements and attributes are ignored")
    func forwardCompatible() throws {
        let body = "<InvalidationBatch><Future a='1'><X/></Future><Paths><Quantity>1</Quantity><Extra/>"
            + "<Items><Path note='x'>/a</Path><Comment>not a path</Comment></Items></Paths>"
            + "<CallerReference>r</CallerReference></InvalidationBatch>"
        let decoded = try InvalidationBatchRequest.decode(Array(body.utf8))
        #expect(decoded.paths == ["/a"])
        #expect(decoded.callerReference == "r")
    }

    @Test("exactly 3,000 paths and a 128-character reference are accepted")
    func atTheLimits() throws {
        let reference = String(repeating: "é", count: 128)
        let decoded = try InvalidationBatchRequest.decode(Array(batch(
            quantity: "3000", items: pathElements(3000),
            callerReference: "<CallerReference>\(reference)</CallerReference>").utf8))
        #expect(decoded.paths.count == 3000)
        #expect(decoded.paths.last == "/p/2999")
        #expect(decoded.callerReference == reference)
    }

    @Test("paths are not trimmed or validated here (the engine does that)")
    func pathsVerbatim() throws {
        let decoded = try InvalidationBatchRequest.decode(Array(batch(
            quantity: "3", items: "<Path> /a </Path><Path>no-slash*x</Path><Path></Path>").utf8))
        #expect(decoded.paths == [" /a ", "no-slash*x", ""])
    }
}

@Suite("InvalidationBatchRequest: errors as CloudFront codes")
struct InvalidationBatchErrorTests {
    @Test("malformed XML, wrong root or namespace, repeated elements: MalformedInput (400)", arguments: [
        ("<InvalidationBatch>", "The request body is not well-formed XML: line 1, column 1 (byte 0): "
            + "<InvalidationBatch> is never closed; the document ends inside it."),
        ("<!DOCTYPE x><InvalidationBatch/>", "The request body is not well-formed XML: line 1, column 1 (byte 0): "
            + "DOCTYPE declarations are not accepted (no DTDs, no entity definitions)."),
        ("<Invalidation/>", "The root element is <Invalidation>; CreateInvalidation expects <InvalidationBatch>."),
        ("<InvalidationBatch xmlns='http://cloudfront.amazonaws.com/doc/2019-03-26/'/>",
         "<InvalidationBatch> is in namespace \"http://cloudfront.amazonaws.com/doc/2019-03-26/\"; "
            + "this API speaks \"http://cloudfront.amazonaws.com/doc/2020-05-31/\"."),
        (batch(items: "<Path>/a</Path></Items></Paths><Paths><Quantity>1</Quantity><Items><Path>/b</Path>"),
         "<InvalidationBatch> has 2 <Paths> elements; it takes one."),
        (batch(callerReference: "<CallerReference>a</CallerReference><CallerReference>b</CallerReference>"),
         "<InvalidationBatch> has 2 <CallerReference> elements; it takes one."),
        (batch(quantity: "1</Quantity><Quantity>1"), "<Paths> has 2 <Quantity> elements; it takes one."),
        (batch(items: "<Path>/a</Path></Items><Items><Path>/b</Path>"), "<Paths> has 2 <Items> elements; it takes one."),
    ])
    func malformedInput(body: String, message: String) {
        let error = decodeError(body)
        #expect(error?.code == "MalformedInput", "\(body)")
        #expect(error?.httpStatus == 400)
        #expect(error?.type == .sender)
        #expect(error?.message == message, "\(body)")
    }

    @Test("hostile documents are MalformedInput: billion laughs, XXE, &unknown;, invalid UTF-8, deep nesting")
    func hostile() {
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>"
            + "<InvalidationBatch>&lol2;</InvalidationBatch>"
        let xxe = "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            + batch(callerReference: "<CallerReference>&xxe;</CallerReference>")
        let unknown = batch(items: "<Path>/&unknown;</Path>")
        let deep = String(repeating: "<a>", count: 100_000)
        for body in [laughs, xxe, unknown, deep] {
            #expect(decodeError(body)?.code == "MalformedInput")
        }
        #expect(decodeError(Array("<InvalidationBatch>".utf8) + [0xC3, 0x28])?.code == "MalformedInput")
    }

    @Test("Quantity missing or not an integer: InvalidArgument (400)", arguments: [
        (batch(quantity: "two"), "Paths.Quantity \"two\" is not an integer."),
        (batch(quantity: ""), "Paths.Quantity \"\" is not an integer."),
        (batch(quantity: "1.0"), "Paths.Quantity \"1.0\" is not an integer."),
        (batch(quantity: "99999999999999999999"), "Paths.Quantity \"99999999999999999999\" is not an integer."),
        (batch(quantity: "<N>1</N>"), "Paths.Quantity contains elements; it must be an integer."),
        (batch(quantity: String(repeating: "9", count: 100_000)),
         "Paths.Quantity \"\(String(repeating: "9", count: 64))…\" is not an integer."),
        ("<InvalidationBatch><Paths><Items><Path>/a</Path></Items></Paths><CallerReference>r</CallerReference>"
            + "</InvalidationBatch>", "Paths has no Quantity element; it must give the number of Path items."),
        ("<InvalidationBatch><CallerReference>r</CallerReference></InvalidationBatch>",
         "InvalidationBatch has no Paths element."),
    ])
    func quantityInvalid(body: String, message: String) {
        let error = decodeError(body)
        #expect(error?.code == "InvalidArgument", "\(body)")
        #expect(error?.httpStatus == 400)
        #expect(error?.message == message, "\(body)")
    }

    @Test("Quantity differing from the Path count: InconsistentQuantities (400), naming both numbers",
          arguments: [("3", 2), ("1", 2), ("-1", 1), ("2", 0)])
    func quantityMismatch(quantity: String, count: Int) {
        let error = decodeError(batch(quantity: quantity, items: pathElements(count)))
        #expect(error?.code == "InconsistentQuantities")
        #expect(error?.httpStatus == 400)
        #expect(error?.type == .sender)
        #expect(error?.message == "Paths.Quantity is \(quantity) but Paths.Items holds \(count) Path elements; "
            + "they must be equal.")
    }

    @Test("no paths at all: InvalidArgument (400)")
    func zeroPaths() {
        for body in [batch(quantity: "0", items: ""),
                     "<InvalidationBatch><Paths><Quantity>0</Quantity></Paths><CallerReference>r</CallerReference>"
                        + "</InvalidationBatch>"] {
            let error = decodeError(body)
            #expect(error?.code == "InvalidArgument")
            #expect(error?.httpStatus == 400)
            #expect(error?.message == "The batch has no paths; give at least one Path.")
        }
    }

    @Test("a Path with child elements: InvalidArgument (400)")
    func pathWithElements() {
        let error = decodeError(batch(quantity: "2", items: "<Path>/a</Path><Path>/b<i>c</i></Path>"))
        #expect(error?.code == "InvalidArgument")
        #expect(error?.message == "Path element number 2 contains elements; a Path is text only.")
    }

    @Test("CallerReference missing, empty, structured or too long: InvalidArgument (400)", arguments: [
        ("", "CallerReference is missing or empty; give a value unique to this batch (the CLI uses cli-<time>-<random>)."),
        ("<CallerReference></CallerReference>",
         "CallerReference is missing or empty; give a value unique to this batch (the CLI uses cli-<time>-<random>)."),
        ("<CallerReference/>",
         "CallerReference is missing or empty; give a value unique to this batch (the CLI uses cli-<time>-<random>)."),
        ("<CallerReference>a<b/></CallerReference>", "CallerReference contains elements; it is text only."),
        ("<CallerReference>\(String(repeating: "x", count: 129))</CallerReference>",
         "CallerReference is 129 characters long; at most 128 are accepted."),
    ])
    func callerReferenceInvalid(element: String, message: String) {
        let error = decodeError(batch(callerReference: element))
        #expect(error?.code == "InvalidArgument")
        #expect(error?.httpStatus == 400)
        #expect(error?.message == message)
    }

    @Test("3,001 paths: BatchTooLarge (413), with the count")
    func tooManyPaths() {
        let error = decodeError(batch(quantity: "3001", items: pathElements(3001)))
        #expect(error?.code == "BatchTooLarge")
        #expect(error?.httpStatus == 413)
        #expect(error?.type == .sender)
        #expect(error?.message == "The batch has 3001 paths; CloudFront accepts at most 3000 in one batch.")
    }

    @Test("10,000 paths cross the XML element limit first, and are still BatchTooLarge (413)")
    func tenThousandPaths() {
        let error = decodeError(batch(quantity: "10000", items: pathElements(10_000)))
        #expect(error?.code == "BatchTooLarge")
        #expect(error?.httpStatus == 413)
        #expect(error?.message == "The request is too large for one invalidation batch (more than 10000 elements); "
            + "a batch holds at most 3000 paths.")
    }

    @Test("a body over the reader's byte limit (10 MB of garbage included) is BatchTooLarge (413)")
    func tooManyBytes() {
        let garbage = [UInt8](repeating: 0xFF, count: 10_000_000)
        let error = decodeError(garbage)
        #expect(error?.code == "BatchTooLarge")
        #expect(error?.httpStatus == 413)
        #expect(error?.message.contains("the document is 10000000 bytes; at most 1048576 are accepted") == true)
        // Within the size limit, garbage is MalformedInput.
        #expect(decodeError([UInt8](repeating: 0xFF, count: 1000))?.code == "MalformedInput")
    }

    @Test("an empty or all-whitespace body: MissingBody (400)")
    func missingBody() {
        for body in ["", " \r\n\t"] {
            let error = decodeError(body)
            #expect(error?.code == "MissingBody")
            #expect(error?.httpStatus == 400)
        }
    }
}
