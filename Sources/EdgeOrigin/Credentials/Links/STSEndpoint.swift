/// Where `AssumeRoleWithWebIdentity` goes: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else
/// the regional endpoint of `AWS_REGION` / `AWS_DEFAULT_REGION`, else the global one.
struct STSEndpoint {
    var requestURL: String
    var display: String
    var region: String?
    var proxy: CredentialsHTTPRequest.Proxy

    init(environment: CredentialsEnvironment, step: CredentialsChainStep) throws(CredentialsFailure) {
        region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
        let override = environment["AWS_ENDPOINT_URL_STS"].map { ("AWS_ENDPOINT_URL_STS", $0) }
            ?? environment["AWS_ENDPOINT_URL"].map { ("AWS_ENDPOINT_URL", $0) }
        let text: String
        if let (variable, value) = override {
            text = value
            if case .failure(let error) = CredentialsURL.parse(value) {
                throw CredentialsFailure(step: step, reason: "\(variable) \"\(value)\" is not a usable URL: \(error.reason)",
                                         fix: "set it to an endpoint like https://sts.eu-west-2.amazonaws.com, or unset it")
            }
        } else if let region {
            let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
            text = "https://sts.\(region).\(domain)"
        } else {
            text = "https://sts.amazonaws.com"
        }
        requestURL = text.hasSuffix("/") ? text : text + "/"
        let parsed = try? CredentialsURL.parse(requestURL).get()
        display = parsed?.display ?? requestURL
        proxy = .from(environment, for: parsed)
    }
}

extension CredentialsHTTPRequest.Proxy {
    /// The proxy the injected environment asks for (libcurl would otherwise read the real one):
    /// `https_proxy`/`HTTPS_PROXY` (`http_proxy` for an http URL), minus `no_proxy` hosts.
    static func from(_ environment: CredentialsEnvironment, for url: CredentialsURL?) -> Self {
        let names = url?.scheme == "http" ? ["http_proxy", "HTTP_PROXY"] : ["https_proxy", "HTTPS_PROXY"]
        guard let proxy = names.lazy.compactMap({ environment[$0] }).first else { return .none }
        return .through(url: proxy, noProxy: environment["no_proxy"] ?? environment["NO_PROXY"])
    }
}
