import EdgeAdminAPI
import Testing

@Suite("CloudFrontAPIError")
struct CloudFrontAPIErrorTests {
    /// Code and status of each constructor. The service model's error shapes (botocore
    /// cloudfront/2020-05-31/service-2.json, `error.httpStatusCode`) for those it has;
    /// AWS's common errors for the authentication codes.
    @Test("each constructor carries CloudFront's code, status and fault type", arguments: [
        (CloudFrontAPIError.malformedInput("m"), "MalformedInput", 400),
        (.invalidArgument("m"), "InvalidArgument", 400),
        (.inconsistentQuantities("m"), "InconsistentQuantities", 400),
        (.missingBody(), "MissingBody", 400),
        (.batchTooLarge("m"), "BatchTooLarge", 413),
        (.tooManyInvalidationsInProgress("m"), "TooManyInvalidationsInProgress", 400),
        (.noSuchDistribution(), "NoSuchDistribution", 404),
        (.noSuchInvalidation(), "NoSuchInvalidation", 404),
        (.invalidationBatchAlreadyExists("m"), "InvalidationBatchAlreadyExists", 409),
        (.accessDenied(), "AccessDenied", 403),
        (.invalidClientTokenId("m"), "InvalidClientTokenId", 403),
        (.signatureDoesNotMatch("m"), "SignatureDoesNotMatch", 403),
        (.incompleteSignature("m"), "IncompleteSignature", 403),
        (.missingAuthenticationToken("m"), "MissingAuthenticationToken", 403),
        (.requestExpired("m"), "RequestExpired", 400),
        (.internalFailure("m"), "InternalFailure", 500),
        (.serviceUnavailable("m"), "ServiceUnavailable", 503),
    ])
    func codes(error: CloudFrontAPIError, code: String, status: Int) {
        #expect(error.code == code)
        #expect(error.httpStatus == status)
        #expect(error.type == (status >= 500 ? .receiver : .sender))
    }

    @Test("the ErrorResponse documents match the fixtures botocore was checked against", arguments: [
        (CloudFrontAPIError.noSuchInvalidation(), "b3c1d2e4-0001", "error-404-NoSuchInvalidation.xml"),
        (.inconsistentQuantities("Paths.Quantity is 3 but Paths.Items holds 2 Path elements; they must be equal."),
         "b3c1d2e4-0002", "error-400-InconsistentQuantities.xml"),
        (.batchTooLarge("The batch has 3001 paths; CloudFront accepts at most 3000 in one batch."),
         "b3c1d2e4-0003", "error-413-BatchTooLarge.xml"),
        (.signatureDoesNotMatch("The request signature we calculated does not match the signature you provided <&>\"'"),
         "b3c1d2e4-0004", "error-403-SignatureDoesNotMatch.xml"),
        (.internalFailure("the invalidation engine is not running"), "b3c1d2e4-0005", "error-500-InternalFailure.xml"),
    ])
    func document(error: CloudFrontAPIError, requestID: String, file: String) throws {
        #expect(error.xml(requestID: requestID) == (try fixture("responses/\(file)")))
    }

    @Test("the document's text is escaped, the request ID included")
    func escaped() throws {
        let error = CloudFrontAPIError.invalidArgument("bad </Message><Code>AccessDenied</Code> & more")
        let root = try StrictXMLReader().parse(error.xml(requestID: "<id&>"))
        #expect(root.name == "ErrorResponse")
        #expect(root.attribute("xmlns") == CloudFrontAPI.namespace)
        #expect(root.child("Error")?.children.map(\.name) == ["Type", "Code", "Message"])
        #expect(root.child("Error")?.child("Code")?.text == "InvalidArgument")
        #expect(root.child("Error")?.child("Message")?.text == error.message)
        #expect(root.child("RequestId")?.text == "<id&>")
    }

    @Test("a decode error renders as the document the listener sends")
    func fromDecode() throws {
        let error = try #require(decodeError(batch(quantity: "2")))
        let root = try StrictXMLReader().parse(error.xml(requestID: "r"))
        #expect(root.child("Error")?.child("Code")?.text == "InconsistentQuantities")
        #expect(root.child("Error")?.child("Type")?.text == "Sender")
        #expect(error.description == "InconsistentQuantities (400): " + error.message)
    }
}
