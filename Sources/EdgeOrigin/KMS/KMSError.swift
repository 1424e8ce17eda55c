/// Why a KMS call failed, printed for an operator as the cause and the fix, e.g. "KMS refused
/// GenerateDataKey on key alias/s3edge-cache (AccessDeniedException: …): the key policy or s3edge's
/// IAM identity must allow kms:GenerateDataKey and kms:Decrypt on alias/s3edge-cache".
///
/// Never holds key material: `message` is KMS's own error text or libcurl's.
public struct KMSError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely: what a caller decides on (retry, stop, start over).
    public enum Kind: Sendable, Equatable {
        /// KMS refused the call: the key policy or IAM policy does not allow it, or KMS does not
        /// accept the credentials (unknown access key, bad signature, expired token).
        case accessDenied
        /// No such key or alias in that account and region.
        case notFound
        /// The key is disabled, pending deletion or otherwise unusable (`KMSInvalidStateException`).
        case disabled
        /// The ciphertext was not made under this key and encryption context, or is damaged.
        case invalidCiphertext
        /// No connection to the endpoint (refused, unresolvable, TLS failure).
        case unreachable
        case timedOut
        /// KMS asked to slow down (request quota).
        case throttled
        /// The answer is not a KMS answer this client understands.
        case invalidResponse
        /// No credentials to sign with: the `credentials` closure threw.
        case credentialsUnavailable
        /// Anything else: KMS's code and message say what.
        case other
    }

    public var kind: Kind
    /// KMS's error code (`__type` without its namespace), e.g. `AccessDeniedException`; nil for
    /// transport failures and malformed answers.
    public var code: String?
    /// KMS's message, libcurl's, or what is wrong with the answer.
    public var message: String
    /// The KMS operation, e.g. `GenerateDataKey`.
    public var operation: String
    /// The key the call named, e.g. `alias/s3edge-cache`; nil for a Decrypt without a key id.
    public var keyID: String?
    /// Where the call went, without credentials: `https://kms.eu-west-2.amazonaws.com/`.
    public var endpoint: String

    public init(kind: Kind, code: String? = nil, message: String, operation: String, keyID: String?, endpoint: String) {
        self.kind = kind
        self.code = code
        self.message = message
        self.operation = operation
        self.keyID = keyID
        self.endpoint = endpoint
    }

    /// The cause (operation, key, KMS's code and message), then the fix.
    public var description: String {
        // Decrypt may name no key: KMS then takes the one recorded in the blob.
        let key = keyID.map { "key \($0)" } ?? "the key that encrypted the data key"
        let keyName = keyID ?? "that key"
        let detail = (code.map { "\($0): " } ?? "") + message
        switch kind {
        case .accessDenied where Self.credentialCodes.contains(code ?? ""):
            return "KMS (\(endpoint)) did not accept s3edge's credentials for \(operation) (\(detail)): check "
                + "cache.encryption.credentials (or the default chain it falls back to), that the access key is active, "
                + "and that the machine's clock is right"
        case .accessDenied:
            return "KMS refused \(operation) on \(key) (\(detail)): the key policy or s3edge's IAM identity must "
                + "allow kms:GenerateDataKey and kms:Decrypt on \(keyName)"
        case .notFound:
            return "KMS has no \(key) at \(endpoint) (\(detail)): check cache.encryption.kms_key_id and kms_region "
                + "(aws kms describe-key --key-id \(keyName))"
        case .disabled:
            return "KMS \(key) cannot be used (\(detail)): enable it (aws kms enable-key) or cancel its deletion "
                + "(aws kms cancel-key-deletion), or configure another key"
        case .invalidCiphertext:
            return "KMS could not decrypt the cache's data key with \(key) (\(detail)): it was made under another "
                + "key or encryption context, or is damaged; configure the key that made it, or empty the cache "
                + "directory to start over with a new data key"
        case .unreachable:
            return "cannot reach KMS at \(endpoint) for \(operation) (\(detail)): check the network, proxy "
                + "(HTTPS_PROXY) and cache.encryption.kms_endpoint or AWS_ENDPOINT_URL_KMS"
        case .timedOut:
            return "KMS at \(endpoint) did not answer \(operation) in time (\(detail)): check the network path to it "
                + "(firewall, proxy, VPC endpoint) and try again"
        case .throttled:
            return "KMS throttled \(operation) on \(key) (\(detail)): retry later, or ask AWS to raise the "
                + "account's KMS request quota"
        case .invalidResponse:
            return "the answer of \(endpoint) to \(operation) is not a KMS answer (\(detail)): check that "
                + "cache.encryption.kms_endpoint or AWS_ENDPOINT_URL_KMS points at KMS"
        case .credentialsUnavailable:
            return "no AWS credentials to sign KMS \(operation) (\(message)): configure cache.encryption.credentials, "
                + "or give the service credentials through the default chain (instance role, AWS_PROFILE, AWS_* variables)"
        case .other:
            return "KMS \(operation) on \(key) failed (\(detail)): see KMS's message; retry if it is a "
                + "KMSInternalException or DependencyTimeoutException"
        }
    }

    /// Codes that mean the credentials, not the policy, are the problem.
    static let credentialCodes: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "ExpiredTokenException",
        "MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
    ]

    /// The kind of a KMS error code; unknown codes are `.other`.
    static func kind(ofCode code: String) -> Kind {
        switch code {
        case "AccessDeniedException", "NotAuthorizedException", "AccessDenied": return .accessDenied
        case _ where credentialCodes.contains(code): return .accessDenied
        case "NotFoundException": return .notFound
        case "DisabledException", "KMSInvalidStateException", "KeyUnavailableException": return .disabled
        case "InvalidCiphertextException", "IncorrectKeyException": return .invalidCiphertext
        case "ThrottlingException", "LimitExceededException", "TooManyRequestsException": return .throttled
        default: return .other
        }
    }
}
