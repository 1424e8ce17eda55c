import CCurl

/// How one curl attempt ended, in the client's terms.
enum AttemptEnd: Equatable {
    case completed
    /// `retryable`: a connection-level failure that may succeed on a new connection, provided
    /// the origin sent no response byte yet.
    case failed(OriginError, retryable: Bool)
    /// curl's own timer fired (`CURLE_OPERATION_TIMEDOUT`); the phase depends on how far the
    /// attempt got, which the transfer state machine knows.
    case curlTimedOut

    /// Classifies a `CURLcode`. `reason` is curl's message for it; `expected` and `received`
    /// describe the body so far.
    init(code: CURLcode, reason: String, expected: Int?, received: Int) {
        switch code {
        case CURLE_OK:
            self = .completed
        case CURLE_OPERATION_TIMEDOUT:
            self = .curlTimedOut
        case CURLE_COULDNT_RESOLVE_HOST:
            self = .failed(.dnsFailed(reason: reason), retryable: true)
        case CURLE_COULDNT_CONNECT:
            self = .failed(.connectionFailed(reason: reason), retryable: true)
        case CURLE_GOT_NOTHING:
            self = .failed(.connectionFailed(reason: "the origin closed the connection without answering"), retryable: true)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            self = .failed(.reset(reason: reason), retryable: true)
        case CURLE_PARTIAL_FILE:
            self = .failed(.truncated(expected: expected, received: received), retryable: false)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CLIENTCERT,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            self = .failed(.tlsFailed(reason: reason), retryable: false)
        // curl 7.88 also reports an answer that is not HTTP (HTTP/0.9, a status of 0) as
        // UNSUPPORTED_PROTOCOL; s3edge only ever builds http(s) URLs, so it is the origin's fault.
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_UNSUPPORTED_PROTOCOL:
            self = .failed(.invalidResponse(reason: reason), retryable: false)
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            self = .failed(.invalidRequest(reason: reason), retryable: false)
        default:
            self = .failed(.transferFailed(reason: reason), retryable: false)
        }
    }
}
