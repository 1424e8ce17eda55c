import CCurl
import CCurlShims

/// Owns one `CURL*` easy handle with its header list and error buffer; `deinit` frees them.
/// Used only on the origin thread.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init() throws(CurlEasyError) {
        _ = originCurlGlobalInit
        guard let raw = curl_easy_init() else { throw CurlEasyError(CURLE_OUT_OF_MEMORY) }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        do {
            try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        } catch {
            curl_easy_cleanup(raw)
            errorBuffer.deallocate()
            throw error
        }
    }

    deinit {
        curl_easy_cleanup(raw)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// What curl wrote to the error buffer for the last failure, if anything.
    var errorDetail: String? {
        errorBuffer.pointee == 0 ? nil : String(cString: errorBuffer)
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlEasyError) {
        try check(s3edge_curl_easy_setopt_long(raw, option, value))
    }

    /// curl copies the string (every option used here is a copied one).
    func set(_ option: CURLoption, _ value: String) throws(CurlEasyError) {
        try check(s3edge_curl_easy_setopt_string(raw, option, value))
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CurlEasyError) {
        try check(s3edge_curl_easy_setopt_pointer(raw, option, pointer))
    }

    /// Replaces the request header list (`CURLOPT_HTTPHEADER`); the handle keeps the list alive.
    func setHeaderLines(_ lines: [String]) throws(CurlEasyError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw CurlEasyError(CURLE_OUT_OF_MEMORY)
            }
            list = appended
        }
        try check(s3edge_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list))
        curl_slist_free_all(headerList)
        headerList = list
    }

    /// True once curl connected and is about to send the request.
    var requestSent: Bool {
        var microseconds: curl_off_t = 0
        return s3edge_curl_easy_getinfo_off_t(raw, CURLINFO_PRETRANSFER_TIME_T, &microseconds) == CURLE_OK
            && microseconds > 0
    }

    /// The response's `Content-Length`, when it had one.
    var expectedContentLength: Int? {
        var length: curl_off_t = -1
        guard s3edge_curl_easy_getinfo_off_t(raw, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK,
              length >= 0 else { return nil }
        return Int(length)
    }

    /// Resumes a transfer the write callback paused. May call the write callback at once.
    func unpause() {
        _ = curl_easy_pause(raw, CURLPAUSE_CONT)
    }

    fileprivate func check(_ code: CURLcode) throws(CurlEasyError) {
        guard code == CURLE_OK else { throw CurlEasyError(code, detail: errorDetail) }
    }
}

extension CurlEasyHandle {
    /// Routes header lines and body bytes to C callbacks that receive `userdata`.
    func setCallbacks(userdata: UnsafeMutableRawPointer, header: s3edge_curl_data_callback,
                      write: s3edge_curl_data_callback) throws(CurlEasyError) {
        try check(s3edge_curl_easy_setopt_header_function(raw, header))
        try set(CURLOPT_HEADERDATA, pointer: userdata)
        try check(s3edge_curl_easy_setopt_write_function(raw, write))
        try set(CURLOPT_WRITEDATA, pointer: userdata)
    }
}
