import CCurl
import CCurlShims

/// Owns one `CURLM` and its connection pool; `deinit` frees it.
///
/// `@unchecked Sendable`: the origin thread is the only caller of everything except `wakeup()`,
/// and `curl_multi_wakeup` is documented as callable from any thread. The handle is freed only
/// when the last reference goes, so a wakeup never reaches a freed handle.
final class CurlMultiHandle: @unchecked Sendable {
    private let raw: UnsafeMutableRawPointer

    init(maxConnectionsPerHost: Int, maxIdleConnections: Int) throws(CurlMultiError) {
        _ = originCurlGlobalInit
        guard let raw = curl_multi_init() else { throw CurlMultiError(code: CURLM_OUT_OF_MEMORY) }
        self.raw = raw
        try check(s3edge_curl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost))
        try check(s3edge_curl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, maxIdleConnections))
    }

    deinit {
        curl_multi_cleanup(raw)
    }

    /// Makes a `poll` in progress (or the next one) return at once. Any thread.
    func wakeup() {
        _ = curl_multi_wakeup(raw)
    }

    func add(_ easy: CurlEasyHandle) throws(CurlMultiError) {
        try check(curl_multi_add_handle(raw, easy.raw))
    }

    func remove(_ easy: CurlEasyHandle) {
        _ = curl_multi_remove_handle(raw, easy.raw)
    }

    /// Runs every transfer as far as it can go without blocking.
    func perform() throws(CurlMultiError) {
        var running: Int32 = 0
        try check(curl_multi_perform(raw, &running))
    }

    /// Waits for socket activity, curl's own timers, `wakeup()`, or `milliseconds`.
    func poll(milliseconds: Int32) throws(CurlMultiError) {
        try check(curl_multi_poll(raw, nil, 0, milliseconds, nil))
    }

    /// Transfers curl finished since the last call, with their result codes.
    func completedTransfers() -> [(easy: UnsafeMutableRawPointer, code: CURLcode)] {
        var done: [(easy: UnsafeMutableRawPointer, code: CURLcode)] = []
        var queued: Int32 = 0
        while let message = curl_multi_info_read(raw, &queued) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                done.append((easy, message.pointee.data.result))
            }
        }
        return done
    }

    private func check(_ code: CURLMcode) throws(CurlMultiError) {
        guard code == CURLM_OK else { throw CurlMultiError(code: code) }
    }
}
