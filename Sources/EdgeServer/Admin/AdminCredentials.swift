import EdgeConfig
import EdgeOrigin
import Foundation
import NIOHTTP1

/// Who may use the admin API: bearer tokens (`admin.tokens_file`) and SigV4 access keys
/// (`admin.access_keys`, service `cloudfront`, region `us-east-1`, as the AWS CLI signs).
/// Built at start and on reload; a file that cannot be read stops the start (or the reload).
public struct AdminCredentials: Sendable {
    let tokens: AdminTokens?
    /// Access key id → secret.
    let secrets: [String: String]
    let verifier = SigV4Verifier(region: "us-east-1", service: "cloudfront")

    enum Outcome {
        case allowed(principal: String)
        /// No credential at all (401); the reason is for the log.
        case missing(String)
        /// A credential that does not check out (403); the reason is for the log.
        case denied(String)
    }

    public init(_ settings: AdminSettings) throws(AdminCredentialsError) {
        if let path = settings.tokensFile {
            do {
                tokens = try AdminTokens.load(path: path).0
            } catch {
                throw AdminCredentialsError(description: "admin.tokens_file: \(error)")
            }
        } else {
            tokens = nil
        }
        var secrets: [String: String] = [:]
        for key in settings.accessKeys {
            guard let text = try? String(contentsOfFile: key.secretFile, encoding: .utf8) else {
                throw AdminCredentialsError(description: "admin.access_keys: cannot read the secret of \(key.id) "
                    + "from \(key.secretFile); make it readable by the service")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.count >= 16, !secret.contains(where: { $0.isWhitespace }) else {
                throw AdminCredentialsError(description: "admin.access_keys: the secret of \(key.id) in \(key.secretFile) "
                    + "must be one line of at least 16 characters without spaces")
            }
            secrets[key.id] = secret
        }
        self.secrets = secrets
    }

    /// Checks the request's `Authorization`: `Bearer <token>` or `AWS4-HMAC-SHA256 …`.
    func authenticate(head: HTTPRequestHead, body: [UInt8], now: Date) -> Outcome {
        let authorization = head.headers["authorization"]
        guard authorization.count == 1, let value = authorization.first else {
            return authorization.isEmpty ? .missing("no Authorization header") : .denied("several Authorization headers")
        }
        if value.count > 7, value.prefix(7).lowercased() == "bearer " {
            guard let tokens else { return .denied("bearer token, but admin.tokens_file is not set") }
            return tokens.authenticate(authorizationHeader: value) ? .allowed(principal: "token") : .denied("unknown bearer token")
        }
        if value.hasPrefix("AWS4-") {
            guard !secrets.isEmpty else { return .denied("SigV4 request, but admin.access_keys is empty") }
            let request = SigV4ReceivedRequest(
                method: head.method.rawValue, target: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body
            )
            switch verifier.verify(request, now: now, secretAccessKey: { secrets[$0] }) {
            case .success(let accessKeyID): return .allowed(principal: accessKeyID)
            case .failure(let failure): return .denied("SigV4: \(failure)")
            }
        }
        return .denied("unsupported Authorization scheme")
    }
}

public struct AdminCredentialsError: Error, CustomStringConvertible {
    public var description: String
}
