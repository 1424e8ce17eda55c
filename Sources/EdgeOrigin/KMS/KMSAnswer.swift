internal import EdgeTLS

/// One KMS answer: a 200 with the call's result, or an error document
/// `{"__type": "…#AccessDeniedException", "message": "…"}`, read into the result or a `KMSError`.
///
/// Only reads: the caller owns `body` and wipes it.
struct KMSAnswer {
    var status: Int
    var body: [UInt8]
    var operation: String
    var keyID: String?
    var endpoint: String

    /// What is wrong with the answer, as `.invalidResponse`. The body is never quoted: it may hold a key.
    func malformed(_ reason: String) -> KMSError {
        KMSError(kind: .invalidResponse, message: "HTTP \(status), \(body.count) bytes: \(reason)",
                 operation: operation, keyID: keyID, endpoint: endpoint)
    }

    /// The members of a 200 answer's object.
    func members() throws(KMSError) -> Members {
        do {
            return Members(answer: self, members: try KMSAnswerMembers(parsing: body))
        } catch {
            throw malformed("not a JSON object (\(error.reason))")
        }
    }

    /// The error a non-200 answer reports: KMS's code mapped to a kind, with its message. Besides
    /// KMS's JSON, the query protocol's XML `ErrorResponse` is read, which an authorization layer in
    /// front of KMS may answer with (moto_server's IAM enforcement does).
    func error() -> KMSError {
        var code: String?
        var message: String?
        if let members = try? KMSAnswerMembers(parsing: body), let type = members.text("__type", in: body) {
            code = Self.code(fromType: type)
            message = members.text("message", in: body) ?? members.text("Message", in: body)
        } else {
            let text = String(decoding: body, as: UTF8.self)[...]
            code = STSXML.value("Code", in: text)
            message = STSXML.value("Message", in: text)
        }
        guard let code, !code.isEmpty else {
            let kind: KMSError.Kind = status == 429 ? .throttled : .invalidResponse
            return KMSError(kind: kind, message: "HTTP \(status) without a KMS error document (\(body.count) bytes)",
                            operation: operation, keyID: keyID, endpoint: endpoint)
        }
        return KMSError(kind: KMSError.kind(ofCode: code), code: code, message: message ?? "no message",
                        operation: operation, keyID: keyID, endpoint: endpoint)
    }

    /// `com.amazonaws.kms#NotFoundException` and `NotFoundException:http://…` both name `NotFoundException`.
    static func code(fromType type: String) -> String {
        let afterNamespace = type.split(separator: "#", omittingEmptySubsequences: false).last ?? ""
        return String(afterNamespace.split(separator: ":", omittingEmptySubsequences: false).first ?? "")
    }

    /// Typed access to a 200 answer's members.
    struct Members {
        let answer: KMSAnswer
        let members: KMSAnswerMembers

        func malformed(_ reason: String) -> KMSError { answer.malformed(reason) }

        func text(_ name: String) -> String? { members.text(name, in: answer.body) }

        /// A base64 member decoded straight from the body into locked memory.
        func secret(_ name: String) throws(KMSError) -> SecretBytes {
            let raw = try base64(name)
            guard let count = KMSBase64.decodedCount(raw), count > 0 else { throw malformed("\(name) is not base64") }
            let secret = SecretBytes(count: count)
            let decoded = secret.withUnsafeMutableBytes { KMSBase64.decode(raw, into: $0) }
            guard decoded == count else { throw malformed("\(name) is not base64") }
            return secret
        }

        /// A base64 member that is not secret (an encrypted blob).
        func bytes(_ name: String) throws(KMSError) -> [UInt8] {
            let raw = try base64(name)
            guard let count = KMSBase64.decodedCount(raw), count > 0 else { throw malformed("\(name) is not base64") }
            var bytes = [UInt8](repeating: 0, count: count)
            let decoded = bytes.withUnsafeMutableBytes { KMSBase64.decode(raw, into: $0) }
            guard decoded == count else { throw malformed("\(name) is not base64") }
            return bytes
        }

        private func base64(_ name: String) throws(KMSError) -> ArraySlice<UInt8> {
            guard let range = members.strings[name] else { throw malformed("it has no \(name) string") }
            return answer.body[range]
        }
    }
}
