public import EdgeTLS

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS KMS, for the two calls that keep the cache encrypted at rest under the customer's key:
/// `GenerateDataKey` (a new AES-256 data key and its encrypted copy) and `Decrypt` (the copy
/// back to the key, at the next start).
///
/// Each call is one blocking HTTPS request (libcurl, KMS's JSON protocol, SigV4 for service
/// `kms`): call it from a thread that may block, never from an event loop. The data key goes
/// from the answer straight into `SecretBytes`; the answer's buffer is wiped after reading.
/// Errors name the cause and the fix (``KMSError``); nothing is retried here.
public struct KMSClient: Sendable {
    /// The endpoint as given, e.g. `https://kms.eu-west-2.amazonaws.com`.
    public let endpoint: String
    /// The region requests are signed for.
    public let region: String
    public let timeouts: CredentialsHTTPTimeouts
    private let credentials: @Sendable () throws -> SigV4Credentials
    private let signer: SigV4Signer
    private let proxyEnvironment: CredentialsEnvironment

    /// - Parameters:
    ///   - endpoint: `https://kms.REGION.amazonaws.com`, a VPC endpoint, or a test server
    ///     (`http://127.0.0.1:PORT`); see ``defaultEndpoint(region:environment:)``.
    ///   - credentials: called once per request; what it throws becomes
    ///     ``KMSError/Kind-swift.enum/credentialsUnavailable``.
    ///   - environment: only the proxy variables are read (`HTTPS_PROXY`, `NO_PROXY`, …); libcurl
    ///     never reads the process's own.
    public init(
        endpoint: String, region: String, credentials: @escaping @Sendable () throws -> SigV4Credentials,
        timeouts: CredentialsHTTPTimeouts = .kms, environment: [String: String] = [:]
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.timeouts = timeouts
        signer = SigV4Signer(region: region, service: "kms", options: .generic)
        proxyEnvironment = CredentialsEnvironment(variables: environment)
    }

    /// `AWS_ENDPOINT_URL_KMS`, then `AWS_ENDPOINT_URL` from `environment`, else the regional
    /// endpoint `https://kms.REGION.amazonaws.com` (`amazonaws.com.cn` in China regions).
    public static func defaultEndpoint(region: String, environment: [String: String]) -> String {
        for name in ["AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://kms.\(region).\(domain)"
    }

    /// A new AES-256 data key under `keyID` (key id, key ARN, alias name or alias ARN), bound to
    /// `encryptionContext`: the same context must be given to decrypt it.
    public func generateDataKey(keyID: String, encryptionContext: [String: String]) throws(KMSError) -> KMSDataKey {
        let operation = "GenerateDataKey"
        let body = KMSRequestBody.generateDataKey(keyID: keyID, encryptionContext: encryptionContext)
        return try call(operation, body: body, keyID: keyID) { answer throws(KMSError) in
            let plaintext = try answer.secret("Plaintext")
            guard plaintext.count == 32 else {
                throw answer.malformed("Plaintext is \(plaintext.count) bytes, not the 32 of an AES-256 key")
            }
            let blob = try answer.bytes("CiphertextBlob")
            guard let arn = answer.text("KeyId"), !arn.isEmpty else { throw answer.malformed("it has no KeyId") }
            return KMSDataKey(plaintext: plaintext, ciphertextBlob: blob, keyARN: arn)
        }
    }

    /// The data key in `ciphertextBlob`. `keyID`, when given, must be the key that encrypted it
    /// (KMS refuses otherwise: `IncorrectKeyException`); `encryptionContext` must be the one it
    /// was made with.
    public func decrypt(
        ciphertextBlob: [UInt8], keyID: String?, encryptionContext: [String: String]
    ) throws(KMSError) -> SecretBytes {
        let body = KMSRequestBody.decrypt(ciphertextBlob: ciphertextBlob, keyID: keyID, encryptionContext: encryptionContext)
        return try call("Decrypt", body: body, keyID: keyID) { answer throws(KMSError) in
            try answer.secret("Plaintext")
        }
    }

    /// Signs and sends one call, then hands a 200 answer to `read`; any other answer becomes
    /// a `KMSError`. The answer's bytes are wiped before returning either way.
    private func call<Value>(
        _ operation: String, body: String, keyID: String?, read: (KMSAnswer.Members) throws(KMSError) -> Value
    ) throws(KMSError) -> Value {
        func failure(_ kind: KMSError.Kind, _ message: String, endpoint: String) -> KMSError {
            KMSError(kind: kind, message: message, operation: operation, keyID: keyID, endpoint: endpoint)
        }
        let url: CredentialsURL
        switch CredentialsURL.parse(endpoint) {
        case .success(let parsed): url = parsed
        case .failure(let error):
            throw failure(.unreachable, "the endpoint \"\(endpoint)\" is not a usable URL: \(error.reason)", endpoint: endpoint)
        }
        let path = url.path.isEmpty ? "/" : url.path
        let display = CredentialsURL(scheme: url.scheme, host: url.host, port: url.port, path: path).display
        let signing: SigV4Credentials
        do {
            signing = try credentials()
        } catch {
            throw failure(.credentialsUnavailable, "\(error)", endpoint: display)
        }
        let host = url.host + (url.port.map { ":\($0)" } ?? "")
        let headers = [("Host", host), ("Content-Type", "application/x-amz-json-1.1"),
                       ("X-Amz-Target", "TrentService.\(operation)")]
        let unsigned = SigV4Request(method: "POST", path: path, headers: headers,
                                    payloadHash: SigV4PayloadHash(hashing: body.utf8))
        let signed: SigV4SignedRequest
        do {
            signed = try signer.sign(unsigned, credentials: signing, date: Date())
        } catch {
            throw failure(.other, "signing failed: \(error)", endpoint: display)
        }
        let request = CredentialsHTTPRequest(
            method: "POST", url: display, headers: headers + signed.headers, body: body,
            proxy: .from(proxyEnvironment, for: url), timeouts: timeouts, answerIsSecret: true)

        var response: CredentialsHTTPResponse
        do {
            response = try CredentialsHTTPClient.send(request)
        } catch {
            let kind: KMSError.Kind = switch error.kind {
            case .couldNotConnect, .other: .unreachable
            case .timedOut: .timedOut
            case .answerTooLarge: .invalidResponse
            }
            throw failure(kind, error.message, endpoint: display)
        }
        // Taken out of the response, and read in a closure whose copies end with it: when the wipe
        // runs, `bytes` is the buffer's only reference, so it is wiped in place, not copied first.
        var bytes: [UInt8] = []
        swap(&bytes, &response.body)
        let outcome = Swift.Result { () throws(KMSError) -> Value in
            let answer = KMSAnswer(status: response.status, body: bytes, operation: operation, keyID: keyID, endpoint: display)
            guard answer.status == 200 else { throw answer.error() }
            return try read(try answer.members())
        }
        SecretBytes.wipe(&bytes)
        return try outcome.get()
    }
}

extension CredentialsHTTPTimeouts {
    /// 3 s to connect, 10 s in all, as for STS: KMS answers in milliseconds when reachable.
    public static let kms = CredentialsHTTPTimeouts(connect: .seconds(3), total: .seconds(10))
}
