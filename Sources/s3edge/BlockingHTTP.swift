import CCurl
import CCurlShims
import Foundation

/// One blocking HTTP request with libcurl's easy interface, for the command-line tools that talk
/// to a running daemon's admin listener (`s3edge invalidate`). Not for the server: it blocks.
struct BlockingHTTP {
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var url: String
    var method: String
    var headers: [String] = []
    var body: [UInt8] = []
    /// Check the server's certificate against the system CAs (or `caFile`); off for the loopback
    /// admin listener, whose certificate names the edge's public hostnames, not 127.0.0.1.
    var verifyPeer = true
    var caFile: String?

    func perform() throws(Failure) -> Response {
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not start") }
        defer { curl_easy_cleanup(handle) }
        final class Sink {
            var bytes: [UInt8] = []
        }
        let sink = Sink()
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        _ = s3edge_curl_easy_setopt_string(handle, CURLOPT_URL, url)
        _ = s3edge_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        _ = s3edge_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        _ = s3edge_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT, 30)
        _ = s3edge_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = s3edge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, verifyPeer ? 1 : 0)
        _ = s3edge_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, verifyPeer ? 2 : 0)
        if let caFile { _ = s3edge_curl_easy_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        let result: CURLcode = body.withUnsafeBufferPointer { bodyPointer in
            if method == "POST" || !body.isEmpty {
                _ = s3edge_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = s3edge_curl_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bodyPointer.baseAddress))
            }
            _ = s3edge_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
            _ = s3edge_curl_easy_setopt_write_function(handle) { data, size, count, user in
                guard let data, let user else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            }
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            throw Failure(description: "cannot reach \(url): \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        _ = s3edge_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: sink.bytes)
    }
}
