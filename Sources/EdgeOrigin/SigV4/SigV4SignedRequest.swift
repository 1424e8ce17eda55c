/// The result of header signing: what to add to the request, and the intermediate texts for
/// comparing with another signer when a signature does not match.
public struct SigV4SignedRequest: Sendable {
    /// Headers to add, replacing any of the same name: `Authorization`, `x-amz-date`, then
    /// `x-amz-content-sha256` (S3) and `x-amz-security-token` (temporary credentials).
    public var headers: [(name: String, value: String)]
    /// The encoded query string to send after `?` (empty when there is none). Its pairs are in
    /// canonical order, so the wire form is exactly what was signed.
    public var query: String
    /// `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    public var authorization: String
    /// The sorted lower-case names that were signed, joined with `;`.
    public var signedHeaders: String
    /// 64 lowercase hex characters.
    public var signature: String
    /// The canonical request. It holds the session token, if any: log it only redacted.
    public var canonicalRequest: String
    public var stringToSign: String
}

extension SigV4SignedRequest: CustomStringConvertible, CustomReflectable {
    /// Signed header names and the string to sign; never the token or the Authorization value.
    public var description: String {
        "SigV4SignedRequest(signedHeaders: \(signedHeaders), stringToSign: \(stringToSign.debugDescription))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "headers": headers.map { "\($0.name): \(SigV4Redaction.headerValue(name: $0.name, value: $0.value))" },
                "query": query,
                "signedHeaders": signedHeaders,
                "stringToSign": stringToSign,
            ],
            displayStyle: .struct
        )
    }
}

/// The result of presigning: the query string that turns the request into a presigned URL.
public struct SigV4PresignedRequest: Sendable {
    /// Unencoded parameters in wire order: the request's own, then `X-Amz-Algorithm`,
    /// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Security-Token` (temporary credentials) and `X-Amz-Signature`, the order botocore
    /// and the S3 documentation use.
    public var queryItems: [(name: String, value: String)]
    /// `queryItems` encoded, to append to the path after `?`.
    public var query: String
    public var signedHeaders: String
    public var signature: String
    /// The canonical request. It holds the session token, if any: log it only redacted.
    public var canonicalRequest: String
    public var stringToSign: String
}

extension SigV4PresignedRequest: CustomStringConvertible, CustomReflectable {
    /// Parameter names with the token and signature as `****`: a presigned URL is a bearer credential.
    public var description: String {
        "SigV4PresignedRequest(\(redactedQueryItems.joined(separator: "&")))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["queryItems": redactedQueryItems, "signedHeaders": signedHeaders, "stringToSign": stringToSign],
            displayStyle: .struct
        )
    }

    private var redactedQueryItems: [String] {
        queryItems.map { "\($0.name)=\(SigV4Redaction.queryValue(name: $0.name, value: $0.value))" }
    }
}
