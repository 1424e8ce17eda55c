import EdgeAdminAPI
import Foundation

/// The bytes of `Fixtures/<relativePath>`, read from the test bundle, unchanged.
func fixture(_ relativePath: String) throws -> [UInt8] {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "Fixtures/\(path) is not in the test bundle (see Fixtures/README.md)" }
    }
    guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
        let data = FileManager.default.contents(atPath: folder.appending(path: relativePath).path)
    else { throw Missing(path: relativePath) }
    return Array(data)
}

/// What `StrictXMLReader` says about `text`: nil when it parses.
func readError(_ text: String, _ reader: StrictXMLReader = StrictXMLReader()) -> XMLReadError? {
    readError(Array(text.utf8), reader)
}

func readError(_ bytes: [UInt8], _ reader: StrictXMLReader = StrictXMLReader()) -> XMLReadError? {
    do {
        _ = try reader.parse(bytes)
        return nil
    } catch {
        return error
    }
}

/// What `InvalidationBatchRequest.decode` says about `text`: nil when it decodes.
func decodeError(_ text: String) -> CloudFrontAPIError? {
    decodeError(Array(text.utf8))
}

func decodeError(_ bytes: [UInt8]) -> CloudFrontAPIError? {
    do {
        _ = try InvalidationBatchRequest.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// An `InvalidationBatch` document as botocore writes it, with the given inner parts.
func batch(quantity: String = "1", items: String = "<Path>/index.html</Path>",
           callerReference: String = "<CallerReference>ref-1</CallerReference>") -> String {
    #"<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">"#
        + "<Paths><Quantity>\(quantity)</Quantity><Items>\(items)</Items></Paths>\(callerReference)</InvalidationBatch>"
}

/// `count` distinct paths as `<Path>` elements.
func pathElements(_ count: Int) -> String {
    (0..<count).map { "<Path>/p/\($0)</Path>" }.joined()
}
