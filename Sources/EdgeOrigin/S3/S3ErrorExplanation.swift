/// S3's error answer (`<Error><Code>…</Code><Message>…</Message></Error>`) with the likely cause
/// spelled out for the operator. Viewers get a plain status; the log gets this.
public struct S3ErrorExplanation: Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var likelyCause: String

    public init(status: Int, body: [UInt8], key: String, bucket: String, region: String) {
        let text = String(decoding: body.prefix(16_384), as: UTF8.self)
        self.status = status
        code = Self.element("Code", in: text) ?? "(no error code)"
        message = Self.element("Message", in: text) ?? ""
        likelyCause = Self.cause(status: status, code: code, message: message, text: text, key: key, bucket: bucket, region: region)
    }

    public var description: String {
        "origin answered \(status) \(code)\(message.isEmpty ? "" : ": \(message)"); \(likelyCause)"
    }

    static func element(_ name: String, in text: String) -> String? {
        guard let open = text.firstRange(of: "<\(name)>"),
              let close = text[open.upperBound...].firstRange(of: "</\(name)>")
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    static func cause(status: Int, code: String, message: String, text: String, key: String, bucket: String, region: String) -> String {
        let kms = message.mentionsKMS || code.hasPrefix("KMS")
        switch code {
        case "AccessDenied" where kms, "KMS.AccessDeniedException", "KMS.DisabledException", "KMS.NotFoundException":
            return "the KMS key policy does not let the signing identity use the object's key: grant it kms:Decrypt on the bucket's KMS key"
        case "AccessDenied":
            return "the signing identity may not read \"\(key)\": check the bucket policy grants it s3:GetObject on arn:aws:s3:::\(bucket)/*, "
                + "that the KMS key policy grants it kms:Decrypt (SSE-KMS objects), and that the object exists "
                + "(without s3:ListBucket S3 answers 403 for a missing key)"
        case "SignatureDoesNotMatch":
            return "the signature was refused: the secret key does not belong to the access key, or a proxy changed the request"
        case "InvalidAccessKeyId":
            return "the access key does not exist in this account: check the credentials s3edge uses (see its startup log)"
        case "ExpiredToken", "TokenRefreshRequired":
            return "the temporary credentials expired: check the credential source (instance role, web identity) is reachable"
        case "RequestTimeTooSkewed":
            return "this machine's clock is off by more than 15 minutes: fix NTP (timedatectl status)"
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            let actual = element("Region", in: text) ?? element("Endpoint", in: text) ?? "another region"
            return "the bucket is not in \(region) (S3 says \(actual)): set origin.region and origin.endpoint to the bucket's region"
        case "NoSuchBucket":
            return "bucket \(bucket) does not exist (or not at this endpoint): check origin.bucket and origin.endpoint"
        case "NoSuchKey":
            return "no object \"\(key)\" in the bucket"
        default:
            return status >= 500 ? "S3 had a server-side problem; it is usually transient" : "see S3's error code"
        }
    }
}

extension String {
    fileprivate var mentionsKMS: Bool { contains("KMS") || contains("kms:") }
}
