import CCurl

/// An endpoint URL taken apart by libcurl's own parser (`curl_url`), so the host checked here is
/// the host curl will connect to.
struct CredentialsURL: Equatable {
    /// Lower-case, e.g. `http`.
    var scheme: String
    /// As curl prints it: IPv6 addresses keep their brackets (`[::1]`).
    var host: String
    var port: Int?
    var path: String

    /// `scheme://host[:port]path`: no user info, query or fragment, which may carry secrets.
    var display: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)"
    }

    /// The parts of `text`, or curl's reason why it is not an absolute http(s) URL.
    static func parse(_ text: String) -> Result<CredentialsURL, ParseError> {
        guard let url = curl_url() else { return .failure(ParseError(reason: "curl_url failed (out of memory?)")) }
        defer { curl_url_cleanup(url) }
        let code = curl_url_set(url, CURLUPART_URL, text, 0)
        guard code == CURLUE_OK else { return .failure(ParseError(reason: String(cString: curl_url_strerror(code)))) }
        guard let scheme = part(url, CURLUPART_SCHEME)?.lowercased(), scheme == "http" || scheme == "https" else {
            return .failure(ParseError(reason: "only http:// and https:// URLs are supported"))
        }
        guard let host = part(url, CURLUPART_HOST)?.lowercased(), !host.isEmpty else {
            return .failure(ParseError(reason: "the URL has no host"))
        }
        let port = part(url, CURLUPART_PORT).flatMap { Int($0) }
        return .success(CredentialsURL(scheme: scheme, host: host, port: port, path: part(url, CURLUPART_PATH) ?? "/"))
    }

    struct ParseError: Error {
        var reason: String
    }

    private static func part(_ url: OpaquePointer, _ which: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(url, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    /// 127.0.0.0/8, `::1` or `localhost`.
    var isLoopback: Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil } && octets.first == "127"
    }
}
