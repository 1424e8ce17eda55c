#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON bodies of the two KMS calls s3edge makes. Members are written in a fixed order and
/// the encryption context sorted by key, so the same call always makes the same bytes.
enum KMSRequestBody {
    /// `{"KeyId":…,"KeySpec":"AES_256","EncryptionContext":{…}}`.
    static func generateDataKey(keyID: String, encryptionContext: [String: String]) -> String {
        object([("KeyId", string(keyID)), ("KeySpec", string("AES_256")),
                ("EncryptionContext", context(encryptionContext))])
    }

    /// `{"CiphertextBlob":BASE64,"KeyId":…,"EncryptionContext":{…}}`; no `KeyId` when nil.
    static func decrypt(ciphertextBlob: [UInt8], keyID: String?, encryptionContext: [String: String]) -> String {
        var members = [("CiphertextBlob", string(Data(ciphertextBlob).base64EncodedString()))]
        if let keyID { members.append(("KeyId", string(keyID))) }
        members.append(("EncryptionContext", context(encryptionContext)))
        return object(members)
    }

    private static func context(_ pairs: [String: String]) -> String {
        object(pairs.sorted { $0.key < $1.key }.map { ($0.key, string($0.value)) })
    }

    private static func object(_ members: [(name: String, json: String)]) -> String {
        "{" + members.map { string($0.name) + ":" + $0.json }.joined(separator: ",") + "}"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (so the body
    /// never holds a NUL, which libcurl's string options cannot carry).
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
