import CCurl

extension CurlEasyHandle {
    /// Sets every option an origin request needs. Callbacks are set by the caller.
    func configure(for request: OriginRequest, caFile: String?, remainingTotal: Duration) throws(CurlEasyError) {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        // The signed path must reach the origin byte for byte: no `..` / `.` squashing.
        try set(CURLOPT_PATH_AS_IS, 1)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        // An empty proxy overrides http_proxy/https_proxy in the process environment.
        try set(CURLOPT_PROXY, "")
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let caFile { try set(CURLOPT_CAINFO, caFile) }
        try set(CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.wholeMilliseconds)
        // The client enforces `total` itself each poll; curl's own limit, a second later, is a
        // backstop in case the client's deadline check is ever missed.
        try set(CURLOPT_TIMEOUT_MS, (remainingTotal + .seconds(1)).wholeMilliseconds)
        switch request.method {
        case .get: try set(CURLOPT_HTTPGET, 1)
        case .head: try set(CURLOPT_NOBODY, 1)
        case .options: try set(CURLOPT_CUSTOMREQUEST, "OPTIONS")
        }
        try setHeaderLines(Self.headerLines(request.headers))
    }

    /// curl's syntax for a header list: "Name: value", "Name;" for an empty value. curl's
    /// default `Accept: */*` is dropped (an empty "Accept:" line) unless the caller sent one,
    /// so that only the signed request's own headers go out.
    static func headerLines(_ headers: [(String, String)]) throws(CurlEasyError) -> [String] {
        var lines: [String] = []
        var sawAccept = false
        for (name, value) in headers {
            // Scalars, not Characters: "\r\n" is a single Character and would slip past.
            guard !name.isEmpty, !(name + value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }),
                  !name.unicodeScalars.contains(where: { $0 == ":" || $0 == ";" || $0 == " " || $0 == "\t" }) else {
                throw CurlEasyError(CURLE_BAD_FUNCTION_ARGUMENT, detail: "header \(name.debugDescription) is not a valid HTTP header")
            }
            sawAccept = sawAccept || name.lowercased() == "accept"
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !sawAccept { lines.append("Accept:") }
        return lines
    }
}
