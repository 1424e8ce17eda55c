/// What s3edge passes on from S3's answer, and what it refuses to serve.
public enum S3ResponsePolicy {
    /// Headers that identify S3's internals or the customer's key and are not passed on, plus
    /// hop-by-hop headers that belong to the origin connection only.
    static let withheldHeaders: Set<String> = [
        "x-amz-id-2", "x-amz-request-id", "x-amzn-requestid", "x-amz-server-side-encryption-aws-kms-key-id", "server",
        "x-amz-content-sha256",
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
        "proxy-authenticate", "proxy-authorization", "proxy-connection",
    ]

    /// The origin's headers as the viewer gets them: without the withheld ones, and without any
    /// field that is not valid HTTP (a name that is not a token, a value with control characters
    /// other than tab). Validating here, once per origin response, is what lets the viewer
    /// pipelines skip NIO's per-response header validation, hits included.
    public static func viewerHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { isValidField($0.name, $0.value) && !withheldHeaders.contains($0.name.lowercased()) }
    }

    /// RFC 9110 §5.1 (token) and §5.5 (field value: visible characters, blanks, obs-text).
    static func isValidField(_ name: String, _ value: String) -> Bool {
        guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { return false }
        return value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Which server-side encryption a distribution insists on before serving an object.
    public enum EncryptionRequirement: Sendable, Equatable {
        case none
        case anyKMSKey
        /// The object must be encrypted under exactly this KMS key (ARN).
        case kmsKey(String)
    }

    /// nil when the object may be served, else the reason, naming the object and the fix.
    public static func encryptionProblem(
        key: String, headers: [(name: String, value: String)], requirement: EncryptionRequirement
    ) -> String? {
        if requirement == .none { return nil }
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
        let algorithm = header("x-amz-server-side-encryption")
        guard algorithm == "aws:kms" || algorithm == "aws:kms:dsse" else {
            return "object \"\(key)\" is not encrypted with SSE-KMS (x-amz-server-side-encryption: \(algorithm ?? "absent")); "
                + "it was probably uploaded before default encryption was enabled: copy it onto itself with SSE-KMS "
                + "(aws s3 cp s3://BUCKET/KEY s3://BUCKET/KEY --sse aws:kms --sse-kms-key-id KEY_ARN)"
        }
        if case .kmsKey(let wanted) = requirement {
            let actual = header("x-amz-server-side-encryption-aws-kms-key-id") ?? "absent"
            guard actual == wanted else {
                return "object \"\(key)\" is encrypted under KMS key \(actual), not the required \(wanted): "
                    + "re-encrypt it by copying it onto itself with --sse-kms-key-id \(wanted)"
            }
        }
        return nil
    }
}
