extension InstanceMetadataCredentialsLink {
    enum TokenOutcome {
        case token(String)
        /// IMDSv2 refused or unanswered and the v1 fallback is allowed.
        case useV1
        /// Nothing answers: not on EC2.
        case unreachable(String)
        case failed(CredentialsFailure)
    }

    func sessionToken(_ endpoint: CredentialsURL) -> TokenOutcome {
        let request = CredentialsHTTPRequest(
            method: "PUT", url: endpoint.display + "/latest/api/token",
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", Self.tokenTTLSeconds)], timeouts: timeouts
        )
        let response: CredentialsHTTPResponse
        do {
            response = try CredentialsHTTPClient.send(request)
        } catch {
            if error.kind == .timedOut && allowsV1Fallback { return .useV1 }
            let hint = error.kind == .timedOut
                ? "not an EC2 instance, or (in a container) the instance's metadata hop limit is 1"
                : "not an EC2 instance"
            return .unreachable("no instance metadata service at \(endpoint.display) (\(error.message)): \(hint)")
        }
        switch response.status {
        case 200:
            let token = CredentialsText.trimmed(response.text)
            guard !token.isEmpty, CredentialsText.isHeaderSafe(token) else {
                return .failed(failure("IMDS at \(endpoint.display) answered the token request with an empty or malformed token",
                                       fix: "check AWS_EC2_METADATA_SERVICE_ENDPOINT points at the instance metadata service"))
            }
            return .token(token)
        case 401, 403, 404, 405:
            if allowsV1Fallback { return .useV1 }
            return .failed(failure(
                "IMDS at \(endpoint.display) refused a session token (PUT /latest/api/token answered \(response.status)) "
                    + "and the IMDSv1 fallback is off",
                fix: "enable the metadata service with tokens (aws ec2 modify-instance-metadata-options --http-endpoint enabled "
                    + "--http-tokens required), or allow the IMDSv1 fallback in s3edge's configuration for instances without IMDSv2"
            ))
        default:
            return .failed(failure("IMDS at \(endpoint.display) answered \(response.status) to the token request",
                                   fix: "retry later; s3edge retries on its own once running"))
        }
    }

    func get(_ endpoint: CredentialsURL, _ path: String, token: String?) throws(CredentialsFailure) -> CredentialsHTTPResponse {
        let headers = token.map { [("X-aws-ec2-metadata-token", $0)] } ?? []
        do {
            return try CredentialsHTTPClient.send(.init(method: "GET", url: endpoint.display + path, headers: headers, timeouts: timeouts))
        } catch {
            throw failure("IMDS at \(endpoint.display) failed during GET \(path): \(error.message)",
                          fix: "retry later; s3edge retries on its own once running")
        }
    }

    func expect200(_ response: CredentialsHTTPResponse, what: String, token: String?, endpoint: CredentialsURL) throws(CredentialsFailure) {
        guard response.status != 200 else { return }
        let excerpt = CredentialsText.excerpt(response.text, masking: [token].compactMap { $0 })
        let reason = "IMDS at \(endpoint.display) answered \(response.status) for \(what)\(excerpt.isEmpty ? "" : ": \(excerpt)")"
        switch response.status {
        case 401 where token == nil:
            throw failure(reason, fix: "this instance requires IMDSv2 tokens, but the token request failed: check the instance's metadata options")
        case 401:
            throw failure(reason, fix: "the session token was refused: check the instance's metadata options; s3edge retries")
        case 404:
            throw failure(reason, fix: "the instance profile changed while s3edge read it; s3edge retries")
        default:
            throw failure(reason, fix: "retry later; s3edge retries on its own once running")
        }
    }
}
