import CCurl
import CCurlShims
internal import EdgeTLS

/// One blocking libcurl easy transfer. Owns its `CURL*`, header list and error buffer, and frees
/// them in `deinit`. Runs on the credentials fetch queue (or another thread that may block, for
/// KMS), never on an event loop.
final class CredentialsCurlTransfer {
    /// STS, KMS and metadata answers are a few KiB; a larger body is not a credentials document.
    static let bodyLimit = 256 * 1024

    /// Collects the body; passed to the write callback as its `userdata`.
    private final class BodySink {
        var bytes: [UInt8] = []
        var overflowed = false
    }

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let sink = BodySink()

    init() throws(CredentialsHTTPError) {
        _ = credentialsCurlGlobalInit
        guard let handle = curl_easy_init() else {
            throw CredentialsHTTPError(kind: .other, message: "curl_easy_init failed (out of memory?)")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func perform(_ request: CredentialsHTTPRequest) throws(CredentialsHTTPError) -> CredentialsHTTPResponse {
        if request.answerIsSecret {
            sink.bytes.reserveCapacity(Self.bodyLimit)
        }
        // A failed transfer may still have received part of a secret answer.
        defer { if request.answerIsSecret { SecretBytes.wipe(&sink.bytes) } }
        try configure(request)
        let code = curl_easy_perform(handle)
        if sink.overflowed {
            throw CredentialsHTTPError(kind: .answerTooLarge, message: "answer larger than \(Self.bodyLimit) bytes")
        }
        guard code == CURLE_OK else { throw failure(code) }
        var status = 0
        try check(s3edge_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status))
        // Moved out, so the caller holds the only reference and its wipe reaches this buffer.
        let body = sink.bytes
        sink.bytes = []
        return CredentialsHTTPResponse(status: status, body: body)
    }

    private func configure(_ request: CredentialsHTTPRequest) throws(CredentialsHTTPError) {
        try check(s3edge_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_URL, request.url))
        try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connectMilliseconds))
        try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeouts.totalMilliseconds))
        try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, "s3edge"))
        switch request.proxy {
        case .none:
            // An empty string overrides http_proxy/https_proxy from the real process environment.
            try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_PROXY, ""))
        case .through(let url, let noProxy):
            try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_PROXY, url))
            try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_NOPROXY, noProxy ?? ""))
        }
        try configureMethod(request)
        try configureHeaders(request.headers)
        try configureBodySink()
    }

    private func configureMethod(_ request: CredentialsHTTPRequest) throws(CredentialsHTTPError) {
        if let body = request.body {
            // COPYPOSTFIELDS copies the bytes into the handle; the body has no NUL.
            try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.utf8.count))
            try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, body))
        }
        if request.method == "GET" && request.body == nil {
            try check(s3edge_curl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
        } else if !(request.method == "POST" && request.body != nil) {
            try check(s3edge_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
    }

    private func configureHeaders(_ headers: [(name: String, value: String)]) throws(CredentialsHTTPError) {
        // "Expect:" stops curl from waiting for 100-continue on POST bodies.
        for line in headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            guard let appended = curl_slist_append(headerList, line) else {
                throw CredentialsHTTPError(kind: .other, message: "curl_slist_append failed (out of memory?)")
            }
            headerList = appended
        }
        try check(s3edge_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
    }

    private func configureBodySink() throws(CredentialsHTTPError) {
        try check(s3edge_curl_easy_setopt_write_function(handle) { data, size, count, userdata in
            guard let data, let userdata else { return 0 }
            let sink = Unmanaged<BodySink>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            guard sink.bytes.count + length <= CredentialsCurlTransfer.bodyLimit else {
                sink.overflowed = true
                return 0
            }
            data.withMemoryRebound(to: UInt8.self, capacity: length) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
            }
            return length
        })
        // `sink` lives as long as `self`, which outlives every transfer on this handle.
        try check(s3edge_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
    }

    private func check(_ code: CURLcode) throws(CredentialsHTTPError) {
        guard code == CURLE_OK else { throw failure(code) }
    }

    /// The detailed error buffer when curl filled it, else `curl_easy_strerror`.
    private func failure(_ code: CURLcode) -> CredentialsHTTPError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let kind: CredentialsHTTPError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: kind = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        default: kind = .other
        }
        return CredentialsHTTPError(kind: kind, message: message)
    }
}

@available(*, unavailable)
extension CredentialsCurlTransfer: Sendable {}

/// `curl_global_init` once, before the first handle: Swift runs a global's initializer exactly
/// once, thread-safely. libcurl counts calls, so other users in the process are unaffected.
private let credentialsCurlGlobalInit: Void = {
    _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}()
