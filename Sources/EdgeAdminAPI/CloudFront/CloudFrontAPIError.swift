/// An error answer of the CloudFront API (version 2020-05-31), as the AWS CLI and SDKs
/// expect it: an HTTP status and an `ErrorResponse` document whose `Code` becomes the
/// SDK's error code (botocore: `ClientError.response["Error"]["Code"]`).
///
/// Codes and statuses are the error shapes of botocore's `cloudfront/2020-05-31`
/// service model where one exists; the authentication codes are AWS's common errors.
public struct CloudFrontAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whose fault it is: `Sender` (4xx, the request must change) or `Receiver` (5xx).
    public enum FaultType: String, Sendable {
        case sender = "Sender"
        case receiver = "Receiver"
    }

    public let code: String
    public let httpStatus: Int
    public let message: String
    public let type: FaultType

    public init(code: String, httpStatus: Int, message: String, type: FaultType) {
        self.code = code
        self.httpStatus = httpStatus
        self.message = message
        self.type = type
    }

    public var description: String { "\(code) (\(httpStatus)): \(message)" }

    /// The response body: `<ErrorResponse xmlns=…><Error><Type/><Code/><Message/></Error>
    /// <RequestId/></ErrorResponse>`, text escaped.
    public func xml(requestID: String) -> [UInt8] {
        var writer = XMLWriter()
        writer.open("ErrorResponse", namespace: CloudFrontAPI.namespace)
        writer.open("Error")
        writer.element("Type", type.rawValue)
        writer.element("Code", code)
        writer.element("Message", message)
        writer.close("Error")
        writer.element("RequestId", requestID)
        writer.close("ErrorResponse")
        return writer.bytes
    }

    /// A client's value as an error message quotes it: at most 64 characters, then "…", so
    /// a hostile request cannot make the answer large.
    static func excerpt(_ value: String) -> String {
        let scalars = value.unicodeScalars
        guard scalars.count > 64 else { return value }
        return String(String.UnicodeScalarView(scalars.prefix(64))) + "…"
    }

    private static func sender(_ code: String, _ status: Int, _ message: String) -> Self {
        Self(code: code, httpStatus: status, message: message, type: .sender)
    }

    // MARK: Request content (service model shapes)

    /// The body is not well-formed XML, or not an `InvalidationBatch` document.
    public static func malformedInput(_ message: String) -> Self { sender("MalformedInput", 400, message) }
    /// A value is missing, of the wrong form, or out of range.
    public static func invalidArgument(_ message: String) -> Self { sender("InvalidArgument", 400, message) }
    /// `Quantity` differs from the number of items.
    public static func inconsistentQuantities(_ message: String) -> Self {
        sender("InconsistentQuantities", 400, message)
    }
    /// The operation needs a body and there is none.
    public static func missingBody(_ message: String = "This operation requires a body.") -> Self {
        sender("MissingBody", 400, message)
    }
    /// More paths (or a larger document) than one invalidation batch may hold.
    public static func batchTooLarge(_ message: String) -> Self { sender("BatchTooLarge", 413, message) }
    /// Too many invalidations in progress for the distribution.
    public static func tooManyInvalidationsInProgress(_ message: String) -> Self {
        sender("TooManyInvalidationsInProgress", 400, message)
    }

    // MARK: Resources

    public static func noSuchDistribution(_ message: String = "The specified distribution does not exist.") -> Self {
        sender("NoSuchDistribution", 404, message)
    }
    public static func noSuchInvalidation(_ message: String = "The specified invalidation does not exist.") -> Self {
        sender("NoSuchInvalidation", 404, message)
    }
    /// A `CallerReference` reused with different paths. CloudFront documents this code
    /// (on `InvalidationBatch.CallerReference`) but the service model has no shape for it;
    /// 409 is the status of the model's other `…AlreadyExists` errors.
    public static func invalidationBatchAlreadyExists(_ message: String) -> Self {
        sender("InvalidationBatchAlreadyExists", 409, message)
    }

    // MARK: Authentication and authorization

    public static func accessDenied(_ message: String = "Access denied.") -> Self { sender("AccessDenied", 403, message) }
    /// The access key ID is not known.
    public static func invalidClientTokenId(_ message: String) -> Self { sender("InvalidClientTokenId", 403, message) }
    /// The signature does not match the one computed for the request.
    public static func signatureDoesNotMatch(_ message: String) -> Self {
        sender("SignatureDoesNotMatch", 403, message)
    }
    /// The `Authorization` header is present but not a complete SigV4 signature.
    public static func incompleteSignature(_ message: String) -> Self { sender("IncompleteSignature", 403, message) }
    /// No credentials in the request at all.
    public static func missingAuthenticationToken(_ message: String) -> Self {
        sender("MissingAuthenticationToken", 403, message)
    }
    /// The request's date is more than 15 minutes from the server's clock (400, as in
    /// AWS's common errors).
    public static func requestExpired(_ message: String) -> Self { sender("RequestExpired", 400, message) }

    // MARK: Server side

    /// Something failed on this side; the SDKs retry 500s.
    public static func internalFailure(_ message: String) -> Self {
        Self(code: "InternalFailure", httpStatus: 500, message: message, type: .receiver)
    }
    /// Temporarily unable to answer (draining, engine not ready); the SDKs retry 503s.
    public static func serviceUnavailable(_ message: String) -> Self {
        Self(code: "ServiceUnavailable", httpStatus: 503, message: message, type: .receiver)
    }
}

/// Constants of the CloudFront API version s3edge speaks.
public enum CloudFrontAPI {
    public static let version = "2020-05-31"
    /// The XML namespace of every request and response document of this version.
    public static let namespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
}
