/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` [+ `AWS_ROLE_SESSION_NAME`]: the token file's
/// JWT is exchanged for role credentials with an unsigned STS `AssumeRoleWithWebIdentity`.
///
/// The token file is read on every fetch: the platform (kubelet for EKS IRSA) rewrites it.
struct WebIdentityCredentialsLink: CredentialsChainLink {
    var environment: CredentialsEnvironment
    var timeouts: CredentialsHTTPTimeouts
    /// Used when `AWS_ROLE_SESSION_NAME` is unset, fixed for the provider's life so CloudTrail
    /// shows one session name per s3edge process.
    var defaultSessionName = "s3edge-\(UInt32.random(in: 0...UInt32.max))"
    var step: CredentialsChainStep { .webIdentity }

    func fetch() throws(CredentialsFailure) -> CredentialsLinkResult {
        let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"]
        let roleARN = environment["AWS_ROLE_ARN"]
        guard let tokenFile, let roleARN else {
            if tokenFile == nil && roleARN == nil {
                return .unavailable("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set")
            }
            let missing = tokenFile == nil ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN"
            throw failure("\(missing) is not set, but \(tokenFile == nil ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE") is",
                          fix: "set both for web identity (EKS IRSA sets both), or neither")
        }
        let token = try readToken(tokenFile)
        let endpoint = try STSEndpoint(environment: environment, step: step)
        let body = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", environment["AWS_ROLE_SESSION_NAME"] ?? defaultSessionName), ("WebIdentityToken", token),
        ].map { "\($0.0)=\(URIEncoding.encodeComponent($0.1))" }.joined(separator: "&")
        let request = CredentialsHTTPRequest(
            method: "POST", url: endpoint.requestURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "text/xml")],
            body: body, proxy: endpoint.proxy, timeouts: timeouts
        )
        let response: CredentialsHTTPResponse
        do {
            response = try CredentialsHTTPClient.send(request)
        } catch {
            throw failure("could not reach STS at \(endpoint.display): \(error.message)",
                          fix: "allow HTTPS to \(endpoint.display) (set HTTPS_PROXY if a proxy is required), "
                              + "or point AWS_ENDPOINT_URL_STS / AWS_REGION at a reachable STS endpoint")
        }
        let answer = STSWebIdentityAnswer(response: response, token: token, tokenFile: tokenFile, region: endpoint.region)
        switch answer {
        case .credentials(let credentials, let expiration):
            return .resolved(ResolvedCredentials(credentials: credentials, expiration: expiration, source: .webIdentity(roleARN: roleARN)))
        case .failed(let reason, let fix):
            throw failure(reason, fix: fix)
        }
    }

    private func readToken(_ path: String) throws(CredentialsFailure) -> String {
        switch CredentialsFile.contents(of: path) {
        case .text(let text):
            let token = CredentialsText.trimmed(text)
            guard !token.isEmpty else {
                throw failure("the web identity token file \(path) is empty",
                              fix: "check that the platform writes the token there (EKS: the projected service account token volume)")
            }
            return token
        case .missing:
            throw failure("the web identity token file \(path) (AWS_WEB_IDENTITY_TOKEN_FILE) does not exist",
                          fix: "mount the token there (EKS: the projected service account token volume) or correct AWS_WEB_IDENTITY_TOKEN_FILE")
        case .unreadable(let reason):
            throw failure("cannot read the web identity token file \(path): \(reason)",
                          fix: "make it readable by the user s3edge runs as")
        }
    }

    private func failure(_ reason: String, fix: String) -> CredentialsFailure {
        CredentialsFailure(step: step, reason: reason, fix: fix)
    }
}
