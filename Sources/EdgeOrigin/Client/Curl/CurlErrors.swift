import CCurl

/// A failed `curl_easy_*` call, with libcurl's own message.
struct CurlEasyError: Error, CustomStringConvertible {
    let code: CURLcode
    /// curl's error buffer, more specific than `curl_easy_strerror` when curl filled it.
    let detail: String?

    init(_ code: CURLcode, detail: String? = nil) {
        self.code = code
        self.detail = detail
    }

    var description: String {
        detail.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: curl_easy_strerror(code))
    }
}

/// A failed `curl_multi_*` call, with libcurl's own message.
struct CurlMultiError: Error, CustomStringConvertible {
    let code: CURLMcode

    var description: String { String(cString: curl_multi_strerror(code)) }
}

/// `curl_global_init` once, before the origin client's first handle. Swift runs a global's
/// initializer exactly once, thread-safely. (libcurl reference-counts global init, so the
/// credentials client calling it too is fine.)
let originCurlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
