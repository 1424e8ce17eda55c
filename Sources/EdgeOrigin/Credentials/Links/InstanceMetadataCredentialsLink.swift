/// The EC2 instance profile through IMDSv2: `PUT /latest/api/token`, then
/// `GET /latest/meta-data/iam/security-credentials/` (the role name) and `GET …/ROLE`, both with
/// `X-aws-ec2-metadata-token`.
///
/// IMDSv1 (the same GETs without a token) is used only when `allowsV1Fallback` is set and IMDS
/// refuses or ignores the token request. Short timeouts make a machine outside EC2 fail fast.
struct InstanceMetadataCredentialsLink: CredentialsChainLink {
    var environment: CredentialsEnvironment
    var timeouts: CredentialsHTTPTimeouts
    var allowsV1Fallback: Bool
    var step: CredentialsChainStep { .instanceMetadata }

    static let defaultEndpoint = "http://169.254.169.254"
    static let ipv6Endpoint = "http://[fd00:ec2::254]"
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"
    /// Six hours, the maximum; a fresh token is requested on every fetch anyway.
    static let tokenTTLSeconds = "21600"

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            return .unavailable("disabled by AWS_EC2_METADATA_DISABLED=true")
        }
        let endpoint = try self.endpoint()
        let token: String?
        switch sessionToken(endpoint) {
        case .token(let value): token = value
        case .useV1: token = nil
        case .unreachable(let reason): return .unavailable(reason)
        case .failed(let failure): throw failure
        }
        let listing = try get(endpoint, Self.credentialsPath, token: token)
        if listing.status == 404 {
            return .unavailable("IMDS at \(endpoint.display) answered 404 for the role list: no instance profile is attached to this instance")
        }
        try expect200(listing, what: "the role list", token: token, endpoint: endpoint)
        let role = CredentialsText.trimmed(listing.text.split(whereSeparator: \.isNewline).first ?? "")
        guard !role.isEmpty else { return .unavailable("IMDS at \(endpoint.display) lists no instance profile role") }
        guard role.unicodeScalars.allSatisfy(Self.isRoleNameCharacter) else {
            throw failure("IMDS at \(endpoint.display) listed a role name with characters IAM does not allow",
                          fix: "check AWS_EC2_METADATA_SERVICE_ENDPOINT points at the instance metadata service")
        }
        let document = try get(endpoint, Self.credentialsPath + role, token: token)
        try expect200(document, what: "role \(role)", token: token, endpoint: endpoint)
        switch MetadataCredentialsDocument.credentials(from: document.body) {
        case .success(let (credentials, expiration)):
            return .resolved(ResolvedCredentials(credentials: credentials, expiration: expiration, source: .instanceProfile(role: role)))
        case .failure(let error):
            throw failure("IMDS answered 200 for role \(role) but \(error.reason)",
                          fix: "check AWS_EC2_METADATA_SERVICE_ENDPOINT points at the instance metadata service")
        }
    }

    private func endpoint() throws(CredentialsFailure) -> CredentialsURL {
        let configured = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
        let ipv6 = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6"
        switch CredentialsURL.parse(configured ?? (ipv6 ? Self.ipv6Endpoint : Self.defaultEndpoint)) {
        case .success(var url):
            if url.path.hasSuffix("/") { url.path.removeLast() }
            return url
        case .failure(let error):
            throw failure("AWS_EC2_METADATA_SERVICE_ENDPOINT is not a usable URL: \(error.reason)",
                          fix: "set it like http://169.254.169.254, or unset it")
        }
    }

    private static func isRoleNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "+=,.@_-".unicodeScalars.contains(scalar))
    }

    func failure(_ reason: String, fix: String) -> CredentialsFailure {
        CredentialsFailure(step: step, reason: reason, fix: fix)
    }
}
