#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON the container endpoint and IMDS return:
/// `{"Code": "Success", "AccessKeyId": …, "SecretAccessKey": …, "Token": …, "Expiration": "2026-…Z"}`
/// (`Code` only from IMDS; error answers carry `code`/`message` or `Code`/`Message`).
struct MetadataCredentialsDocument: Decodable {
    var accessKeyID: String?
    var secretAccessKey: String?
    var token: String?
    var expiration: String?
    var code: String?
    var message: String?
    /// ECS spells its error fields in lower case.
    var ecsCode: String?
    var ecsMessage: String?

    enum CodingKeys: String, CodingKey {
        case accessKeyID = "AccessKeyId", secretAccessKey = "SecretAccessKey", token = "Token", expiration = "Expiration"
        case code = "Code", message = "Message", ecsCode = "code", ecsMessage = "message"
    }

    /// The credentials, or what is wrong with the answer. The body is never quoted: a
    /// malformed document may still hold a secret.
    static func credentials(from body: [UInt8]) -> Result<(SigV4Credentials, Date), MetadataDocumentError> {
        guard let document = try? JSONDecoder().decode(MetadataCredentialsDocument.self, from: Data(body)) else {
            return .failure(MetadataDocumentError(reason: "the answer is not a JSON credentials document (\(body.count) bytes)"))
        }
        if let code = document.code, code != "Success" {
            return .failure(MetadataDocumentError(reason: "the document says Code \(code)" + (document.message.map { ": \($0)" } ?? "")))
        }
        let fields = [("AccessKeyId", document.accessKeyID), ("SecretAccessKey", document.secretAccessKey),
                      ("Token", document.token), ("Expiration", document.expiration)]
        let missing = fields.filter { $0.1?.isEmpty ?? true }.map(\.0)
        guard missing.isEmpty, let keyID = document.accessKeyID, let secret = document.secretAccessKey,
              let token = document.token, let expiry = document.expiration
        else {
            return .failure(MetadataDocumentError(reason: "the JSON document lacks \(missing.joined(separator: ", "))"))
        }
        guard let expiration = CredentialsTimestamp.parse(expiry) else {
            return .failure(MetadataDocumentError(reason: "the document's Expiration \"\(expiry)\" is not an ISO 8601 time"))
        }
        return .success((SigV4Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token), expiration))
    }

    /// `code: message` from an error answer's JSON, if it is JSON.
    static func errorSummary(from body: [UInt8]) -> String? {
        guard let document = try? JSONDecoder().decode(MetadataCredentialsDocument.self, from: Data(body)) else { return nil }
        let parts = [document.ecsCode ?? document.code, document.ecsMessage ?? document.message].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }
}

struct MetadataDocumentError: Error {
    var reason: String
}
