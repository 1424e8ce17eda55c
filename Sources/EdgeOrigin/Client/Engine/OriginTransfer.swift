import CCurl
import CCurlShims
import NIOCore

/// One fetch as the origin thread sees it: the current curl attempt, the response head being
/// parsed, body bytes not yet posted to the event loop, and the state machine that decides
/// deadlines and retries. Lives only on the origin thread.
final class OriginTransfer {
    /// Body bytes collected before one post to the event loop; a post also happens after every
    /// `curl_multi_perform`, so small bodies are not held back.
    static let postThreshold = 64 * 1024

    let fetch: OriginFetch
    let request: OriginRequest
    var machine: StateMachine
    private(set) var easy: CurlEasyHandle?
    private(set) var status: Int?
    private(set) var bodyBytes = 0
    private var parser = ResponseHeadParser()
    private var pending: ByteBuffer?
    /// Set when a callback aborted the attempt, to report instead of curl's `CURLE_WRITE_ERROR`.
    private var abortReason: OriginError?
    private let allocator = ByteBufferAllocator()

    init(fetch: OriginFetch, request: OriginRequest, retry: OriginRetryPolicy, now: NIODeadline) {
        self.fetch = fetch
        self.request = request
        self.machine = StateMachine(timeouts: request.timeouts, retry: retry, now: now)
    }

    /// A fresh easy handle for the next attempt, its callbacks pointing at `self`.
    func beginAttempt(caFile: String?, now: NIODeadline) throws(CurlEasyError) -> CurlEasyHandle {
        let easy = try CurlEasyHandle()
        let remaining = Duration.nanoseconds(max(0, (machine.totalDeadline - now).nanoseconds))
        try easy.configure(for: request, caFile: caFile, remainingTotal: remaining)
        // Unretained: the origin loop keeps `self` alive for as long as the handle is in the
        // multi, and `self` owns the handle, so no callback can outlive it.
        try easy.setCallbacks(userdata: Unmanaged.passUnretained(self).toOpaque(),
                              header: originHeaderCallback, write: originWriteCallback)
        parser = ResponseHeadParser()
        abortReason = nil
        self.easy = easy
        fetch.flow.recordAttempt()
        return easy
    }

    /// Forgets the attempt's handle (already removed from the multi), which frees it.
    func dropEasy() {
        easy = nil
    }

    /// How the current attempt ended, from curl's result code.
    func attemptEnd(code: CURLcode) -> AttemptEnd {
        if let abortReason { return .failed(abortReason, retryable: false) }
        let reason = easy?.errorDetail ?? CurlEasyError(code).description
        return AttemptEnd(code: code, reason: reason, expected: easy?.expectedContentLength, received: bodyBytes)
    }

    func resume(now: NIODeadline) {
        machine.resumed(now: now)
        easy?.unpause()
    }

    /// Posts the body bytes collected so far to the event loop.
    func flushBody() {
        guard let buffer = pending, buffer.readableBytes > 0 else { return }
        pending = nil
        fetch.post(.body(buffer))
    }

    /// Posts the outcome (after any body bytes still held).
    func finish(_ result: Result<Void, OriginError>) {
        flushBody()
        fetch.post(.finished(result))
    }

    fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        machine.responseBytes(now: .now())
        switch parser.consume(line: line) {
        case .needMore, .interim:
            return true
        case .complete(let status, let headers):
            self.status = status
            machine.headDelivered()
            fetch.post(.head(status: status, headers: headers.map { ($0.name, $0.value) }))
            return true
        case .invalid(let reason):
            abortReason = .invalidResponse(reason: reason)
            return false
        }
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard fetch.flow.admit(bytes.count) else {
            // curl keeps these bytes and offers them again after `curl_easy_pause(CONT)`.
            machine.paused()
            return s3edge_CURL_WRITEFUNC_PAUSE()
        }
        machine.responseBytes(now: .now())
        bodyBytes += bytes.count
        if pending == nil { pending = allocator.buffer(capacity: max(Self.postThreshold, bytes.count)) }
        pending!.writeBytes(bytes)
        if pending!.readableBytes >= Self.postThreshold { flushBody() }
        return bytes.count
    }
}

/// `CURLOPT_HEADERFUNCTION`: one header line per call; returning less than the line aborts.
private let originHeaderCallback: s3edge_curl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<OriginTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let line = UnsafeRawBufferPointer(start: data, count: size * count)
    return transfer.receiveHeaderLine(line) ? size * count : 0
}

/// `CURLOPT_WRITEFUNCTION`: body bytes, at most 16 KiB per call.
private let originWriteCallback: s3edge_curl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<OriginTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}
