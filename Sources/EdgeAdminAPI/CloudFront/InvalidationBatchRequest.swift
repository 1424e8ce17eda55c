/// The body of `CreateInvalidation` (`POST /2020-05-31/distribution/{Id}/invalidation`):
///
/// ```xml
/// <InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
///   <Paths><Quantity>2</Quantity><Items><Path>/index.html</Path><Path>/images/*</Path></Items></Paths>
///   <CallerReference>cli-1700000000-123</CallerReference>
/// </InvalidationBatch>
/// ```
///
/// botocore sends exactly this, without an XML declaration (see the test fixtures).
/// Only the document's shape is checked here; what a path may contain (`*` only at the
/// end, a leading `/`, length) is for the invalidation engine.
///
/// Elements this decoder does not know are ignored wherever they appear, so a newer
/// client's additions do not break requests; a second copy of an element it does read
/// (`Paths`, `Quantity`, `Items`, `CallerReference`) is refused instead, because which
/// copy to trust would be a guess.
public enum InvalidationBatchRequest {
    /// CloudFront's limit on paths in one batch (and on file paths in progress at once).
    public static let maxPaths = 3000
    /// The longest `CallerReference` accepted, in Unicode scalars. CloudFront does not
    /// document a limit; 128 is s3edge's, generous for the CLI's `cli-<time>-<random>`
    /// and for timestamps or UUIDs.
    public static let maxCallerReferenceLength = 128

    /// Reads a batch. `reader` sets the XML limits; a document over its element or byte
    /// limit is answered as `BatchTooLarge`, any other XML problem as `MalformedInput`.
    public static func decode(
        _ body: [UInt8], reader: StrictXMLReader = StrictXMLReader()
    ) throws(CloudFrontAPIError) -> (callerReference: String, paths: [String]) {
        guard body.contains(where: { !XMLCharacters.isWhitespace($0) }) else {
            throw .missingBody("CreateInvalidation needs an InvalidationBatch XML document as its body; the body is empty.")
        }
        let root: XMLElementNode
        do {
            root = try reader.parse(body)
        } catch {
            switch error.kind {
            case .elementLimit, .sizeLimit:
                throw .batchTooLarge("The request is too large for one invalidation batch (\(error.message)); "
                    + "a batch holds at most \(maxPaths) paths.")
            default:
                throw .malformedInput("The request body is not well-formed XML: \(error).")
            }
        }
        guard root.name == "InvalidationBatch" else {
            throw .malformedInput("The root element is <\(root.name)>; CreateInvalidation expects <InvalidationBatch>.")
        }
        if let namespace = root.attribute("xmlns"), namespace != CloudFrontAPI.namespace {
            throw .malformedInput("<InvalidationBatch> is in namespace \"\(CloudFrontAPIError.excerpt(namespace))\"; "
                + "this API speaks \"\(CloudFrontAPI.namespace)\".")
        }
        let paths = try decodePaths(try single("Paths", in: root))
        let callerReference = try decodeCallerReference(try single("CallerReference", in: root))
        return (callerReference, paths)
    }

    /// Reads any byte sequence (a `ByteBuffer`'s readable bytes) by copying it once.
    public static func decode(
        _ body: some Sequence<UInt8>, reader: StrictXMLReader = StrictXMLReader()
    ) throws(CloudFrontAPIError) -> (callerReference: String, paths: [String]) {
        try decode(Array(body), reader: reader)
    }

    private static func decodePaths(_ element: XMLElementNode?) throws(CloudFrontAPIError) -> [String] {
        guard let element else { throw .invalidArgument("InvalidationBatch has no Paths element.") }
        guard let quantityElement = try single("Quantity", in: element) else {
            throw .invalidArgument("Paths has no Quantity element; it must give the number of Path items.")
        }
        guard quantityElement.children.isEmpty else {
            throw .invalidArgument("Paths.Quantity contains elements; it must be an integer.")
        }
        let quantityText = trimmed(quantityElement.text)
        guard let quantity = integer(quantityText) else {
            throw .invalidArgument("Paths.Quantity \"\(CloudFrontAPIError.excerpt(quantityText))\" is not an integer.")
        }
        var paths: [String] = []
        if let items = try single("Items", in: element) {
            for path in items.children("Path") {
                guard path.children.isEmpty else {
                    throw .invalidArgument("Path element number \(paths.count + 1) contains elements; a Path is text only.")
                }
                paths.append(path.text)
            }
        }
        guard paths.count <= maxPaths else {
            throw .batchTooLarge("The batch has \(paths.count) paths; CloudFront accepts at most \(maxPaths) in one batch.")
        }
        guard quantity == paths.count else {
            throw .inconsistentQuantities("Paths.Quantity is \(quantity) but Paths.Items holds \(paths.count) Path "
                + "elements; they must be equal.")
        }
        guard !paths.isEmpty else { throw .invalidArgument("The batch has no paths; give at least one Path.") }
        return paths
    }

    private static func decodeCallerReference(_ element: XMLElementNode?) throws(CloudFrontAPIError) -> String {
        guard let element, !element.text.isEmpty || !element.children.isEmpty else {
            throw .invalidArgument("CallerReference is missing or empty; give a value unique to this batch "
                + "(the CLI uses cli-<time>-<random>).")
        }
        guard element.children.isEmpty else { throw .invalidArgument("CallerReference contains elements; it is text only.") }
        let length = element.text.unicodeScalars.count
        guard length <= maxCallerReferenceLength else {
            throw .invalidArgument("CallerReference is \(length) characters long; at most "
                + "\(maxCallerReferenceLength) are accepted.")
        }
        return element.text
    }

    /// The one child called `name`; nil when absent, an error when repeated.
    private static func single(_ name: String, in parent: XMLElementNode) throws(CloudFrontAPIError) -> XMLElementNode? {
        let matches = parent.children(name)
        guard matches.count <= 1 else {
            throw .malformedInput("<\(parent.name)> has \(matches.count) <\(name)> elements; it takes one.")
        }
        return matches.first
    }

    /// XML whitespace trimmed from both ends (the schema's `integer` collapses it).
    private static func trimmed(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let first = bytes.firstIndex(where: { !XMLCharacters.isWhitespace($0) }),
            let last = bytes.lastIndex(where: { !XMLCharacters.isWhitespace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// An optionally signed decimal integer of at most 9 digits (so no overflow).
    private static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.count <= 9, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let magnitude = Int(digits)
        else { return nil }
        return negative ? -magnitude : magnitude
    }
}
