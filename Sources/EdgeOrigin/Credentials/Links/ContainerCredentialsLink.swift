/// The ECS task role / EKS Pod Identity endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
/// (under `http://169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every fetch; it rotates) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization` header.
///
/// Plain-HTTP full URIs must point at loopback or the ECS/EKS agent addresses, as the SDKs
/// enforce: anything else would send the authorization token, and receive credentials, in clear
/// over the network.
struct ContainerCredentialsLink: CredentialsChainLink {
    var environment: CredentialsEnvironment
    var timeouts: CredentialsHTTPTimeouts
    var step: CredentialsChainStep { .container }

    static let ecsAgent = "http://169.254.170.2"
    /// ECS agent, EKS Pod Identity agent (IPv4 and IPv6).
    static let agentHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        guard let endpoint = try endpoint() else {
            return .unavailable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
        }
        let authorization = try authorizationToken()
        var headers = [("Accept", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        let response: CredentialsHTTPResponse
        do {
            response = try CredentialsHTTPClient.send(.init(method: "GET", url: endpoint.url, headers: headers, timeouts: timeouts))
        } catch {
            throw failure("could not reach \(endpoint.display): \(error.message)",
                          fix: "check that the ECS agent or EKS Pod Identity agent is running; these variables are normally set by the platform")
        }
        guard response.status == 200 else {
            let summary = CredentialsText.excerpt(
                MetadataCredentialsDocument.errorSummary(from: response.body) ?? response.text,
                masking: [authorization].compactMap { $0 }
            )
            throw failure("\(endpoint.display) answered \(response.status)\(summary.isEmpty ? "" : " \(summary)")",
                          fix: Self.fix(status: response.status))
        }
        switch MetadataCredentialsDocument.credentials(from: response.body) {
        case .success(let (credentials, expiration)):
            return .resolved(ResolvedCredentials(credentials: credentials, expiration: expiration, source: .container(endpoint: endpoint.display)))
        case .failure(let error):
            throw failure("\(endpoint.display) answered 200 but \(error.reason)",
                          fix: "check that the URI points at the container credentials endpoint")
        }
    }

    func endpoint() throws(CredentialsFailure) -> (url: String, display: String)? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let url = Self.ecsAgent + (relative.hasPrefix("/") ? relative : "/" + relative)
            return (url, (try? CredentialsURL.parse(url).get())?.display ?? Self.ecsAgent)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else { return nil }
        let parsed: CredentialsURL
        switch CredentialsURL.parse(full) {
        case .success(let url): parsed = url
        case .failure(let error):
            throw failure("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a usable URL: \(error.reason)",
                          fix: "set it to an https:// URL or a loopback http:// URL")
        }
        guard parsed.scheme == "https" || parsed.isLoopback || Self.agentHosts.contains(parsed.host) else {
            throw failure("AWS_CONTAINER_CREDENTIALS_FULL_URI \(parsed.display) uses plain http to \(parsed.host), which is not allowed: "
                          + "only loopback (127.0.0.0/8, ::1, localhost) and the ECS/EKS agents (169.254.170.2, 169.254.170.23, "
                          + "fd00:ec2::23) may be reached without TLS",
                          fix: "use an https:// URL, or run the credentials endpoint on loopback")
        }
        return (full, parsed.display)
    }

    private func authorizationToken() throws(CredentialsFailure) -> String? {
        let token: String
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            switch CredentialsFile.contents(of: path) {
            case .text(let text): token = CredentialsText.trimmed(text)
            case .missing:
                throw failure("the authorization token file \(path) (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) does not exist",
                              fix: "check the EKS Pod Identity token volume is mounted, or correct the variable")
            case .unreadable(let reason):
                throw failure("cannot read the authorization token file \(path): \(reason)",
                              fix: "make it readable by the user s3edge runs as")
            }
        } else if let value = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            token = value
        } else {
            return nil
        }
        guard CredentialsText.isHeaderSafe(token) else {
            throw failure("the container authorization token contains a line break", fix: "write the token on a single line")
        }
        return token
    }

    private static func fix(status: Int) -> String {
        switch status {
        case 401, 403: return "the authorization token was refused: check AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE / AWS_CONTAINER_AUTHORIZATION_TOKEN"
        case 404: return "check the credentials URI; the task or pod may have no role associated"
        case 429, 500...: return "the credentials agent is busy or failing: s3edge retries; check the agent's logs if it persists"
        default: return "check the container credentials URI and the agent"
        }
    }

    private func failure(_ reason: String, fix: String) -> CredentialsFailure {
        CredentialsFailure(step: step, reason: reason, fix: fix)
    }
}
