#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// STS's answer to `AssumeRoleWithWebIdentity`: the `<Credentials>` of an
/// `AssumeRoleWithWebIdentityResponse`, or the cause and fix for an `ErrorResponse`.
enum STSWebIdentityAnswer {
    case credentials(SigV4Credentials, expiration: Date)
    case failed(reason: String, fix: String)

    init(response: CredentialsHTTPResponse, token: String, tokenFile: String, region: String?) {
        let text = response.text[...]
        guard response.status == 200 else {
            self = Self.error(status: response.status, text: text, token: token, tokenFile: tokenFile, region: region)
            return
        }
        guard let credentials = STSXML.element("Credentials", in: text) else {
            self = .failed(reason: "STS answered 200 without a <Credentials> element",
                           fix: "check that AWS_ENDPOINT_URL_STS points at STS, not at another service")
            return
        }
        let fields = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"].map { STSXML.value($0, in: credentials) }
        guard let keyID = fields[0], let secret = fields[1], let sessionToken = fields[2], let expiry = fields[3],
              !keyID.isEmpty, !secret.isEmpty, !sessionToken.isEmpty
        else {
            let missing = zip(["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"], fields)
                .filter { $0.1?.isEmpty ?? true }.map(\.0)
            self = .failed(reason: "STS answered 200 but <Credentials> lacks \(missing.joined(separator: ", "))",
                           fix: "check that AWS_ENDPOINT_URL_STS points at STS, not at another service")
            return
        }
        guard let expiration = CredentialsTimestamp.parse(expiry) else {
            self = .failed(reason: "STS answered with an unreadable Expiration \"\(expiry)\"",
                           fix: "check that AWS_ENDPOINT_URL_STS points at STS")
            return
        }
        self = .credentials(SigV4Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: sessionToken), expiration: expiration)
    }

    private static func error(status: Int, text: Substring, token: String, tokenFile: String, region: String?) -> Self {
        let code = STSXML.value("Code", in: text)
        let message = STSXML.value("Message", in: text).map { CredentialsText.excerpt($0, masking: [token]) }
        let what = [code, message].compactMap { $0 }.joined(separator: ": ")
        let reason = "STS answered \(status)" + (what.isEmpty ? " \(CredentialsText.excerpt(String(text), masking: [token]))" : " \(what)")
        return .failed(reason: reason, fix: fix(code: code, status: status, tokenFile: tokenFile, region: region))
    }

    private static func fix(code: String?, status: Int, tokenFile: String, region: String?) -> String {
        switch code {
        case "AccessDenied":
            return "let the role's trust policy allow sts:AssumeRoleWithWebIdentity for this identity provider, "
                + "audience and subject (EKS: system:serviceaccount:NAMESPACE:SERVICEACCOUNT), and check AWS_ROLE_ARN"
        case "InvalidIdentityToken":
            return "register the token's issuer as an IAM OIDC identity provider in the role's account and check "
                + "the token's audience (usually sts.amazonaws.com); the token is read from \(tokenFile)"
        case "ExpiredTokenException", "ExpiredToken":
            return "the token in \(tokenFile) has expired: the platform must keep rewriting that file (EKS: the projected token volume)"
        case "IDPCommunicationError":
            return "STS could not fetch the identity provider's signing keys: check that the issuer URL is publicly reachable; s3edge retries"
        case "IDPRejectedClaim":
            return "the identity provider rejected the token's claims: check the audience and subject conditions"
        case "RegionDisabledException":
            return "activate STS in \(region ?? "this region") (IAM account settings) or set AWS_REGION to a region where it is active"
        case "ValidationError":
            return "check AWS_ROLE_ARN (arn:aws:iam::ACCOUNT:role/NAME) and AWS_ROLE_SESSION_NAME (2-64 characters of [A-Za-z0-9+=,.@_-])"
        default:
            return status >= 500 || status == 429
                ? "STS is unavailable or throttling: s3edge retries; check the AWS Health Dashboard if it persists"
                : "check AWS_ROLE_ARN, the role's trust policy and AWS_ENDPOINT_URL_STS"
        }
    }
}
