import EdgeCache
import EdgeStore
import Logging
import NIOCore
import NIOHTTP1

/// Answers one viewer request through the cache, on the viewer's event loop: from a stored
/// entry (chunks read from LMDB as the viewer takes them), or by following a ``CacheFill``.
/// Either way it applies the viewer's `Range` and conditional headers itself, and adds `Age`
/// and `X-Cache`.
final class CacheResponder {
    let eventLoop: any EventLoop
    private let context: ChannelHandlerContext
    private let request: HTTPRequestHead
    private let extraHeaders: [(String, String)]
    private let cache: ViewerCache
    private let logger: Logger
    private let completion: (_ keepAlive: Bool) -> Void
    private let passThrough: () -> Void
    private var state = State.idle

    private enum State {
        case idle
        case following(CacheFill, Following)
        case storedBody(StoredBody)
        case done
    }

    /// A fill's response on its way to this viewer.
    private struct Following {
        var headSent = false
        /// Body bytes to send, by offset in the whole body; nil for the whole body.
        var window: ClosedRange<Int>?
        /// Whether the viewer can tell a cut body from a complete one (see `abortResponse`).
        var bodyIsDelimited = true
        var joinedComplete = false
    }

    /// A stored body on its way to this viewer, one slice at a time.
    private struct StoredBody {
        var entry: StoredEntry
        var span: ChunkSpan
        var nextChunk: Int
        /// Offset within `nextChunk` of the next slice.
        var nextOffset: Int
    }

    /// Bytes read from the store per write: what one viewer holds at a time on a stored body
    /// (nginx's default proxy buffers are of this order too). Slices end on multiples of it
    /// within a chunk, which is where an encrypted store's segments end, so each read opens
    /// exactly one segment.
    static let sliceSize = StoreReader.sealedSegmentSize

    init(
        context: ChannelHandlerContext, request: HTTPRequestHead, extraHeaders: [(String, String)], cache: ViewerCache,
        logger: Logger, completion: @escaping (_ keepAlive: Bool) -> Void, passThrough: @escaping () -> Void
    ) {
        self.eventLoop = context.eventLoop
        self.context = context
        self.request = request
        self.extraHeaders = extraHeaders
        self.cache = cache
        self.logger = logger
        self.completion = completion
        self.passThrough = passThrough
    }

    private var isHEAD: Bool { request.method == .HEAD }
    private var keepAlive: Bool { request.isKeepAlive }

    /// The viewer went away: stop reading chunks, or leave the fill (which goes on for the cache).
    func viewerClosed() {
        if case .following(let fill, _) = state { fill.leave(self) }
        state = .done
    }

    /// Hands the request to the uncached path (`OriginRelay`).
    func passThroughNow() {
        state = .done
        passThrough()
    }

    // MARK: Stored entries

    /// Serves a stored object: 304/412 when the viewer's conditionals say so, 206/416 for a
    /// single range, the whole object otherwise (CloudFront answers several ranges with the
    /// whole object too).
    func serveStored(_ object: StoredObject, xCache: XCache) {
        let meta = object.meta, entry = object.entry
        let age = meta.age(at: .now())
        let xCache = meta.status >= 400 ? .error : xCache
        switch meta.viewerConditional(requestHeaders: request.headers) {
        case .notModified: return writeNotModified(headers: meta.headers, age: age, xCache: xCache)
        case .preconditionFailed: return writeLocal(.preconditionFailed, "precondition failed", xCache: xCache)
        case .serve: break
        }
        guard entry.bodyLength == meta.bodyLength else {
            logger.error("cache entry's metadata and body disagree; answering from the origin next time",
                         metadata: ["bytes": "\(entry.bodyLength)", "meta_bytes": "\(meta.bodyLength)"])
            return writeLocal(.serviceUnavailable, "the cached copy is unusable; retry", xCache: .error)
        }
        var status = meta.status
        var body = 0..<meta.bodyLength
        var contentRange: String?
        if meta.status == 200 && request.headers.contains(name: "range") {
            switch rangeDecision(length: meta.bodyLength, entityTag: meta.entityTag, lastModified: meta.lastModified) {
            case .partial(let range):
                status = 206
                body = range.first..<range.last + 1
                contentRange = range.contentRange
            case .unsatisfiable(let unsatisfied):
                return writeLocal(.rangeNotSatisfiable, "range not satisfiable", xCache: xCache,
                                  extra: [("Content-Range", unsatisfied)])
            case .whole, .multipleRanges:
                break
            }
        }
        var fields = object.fields
        if let contentRange { fields.add(name: "Content-Range", value: contentRange) }
        writeHead(status: status, fields: fields, contentLength: body.count, age: age, xCache: xCache)
        guard !isHEAD, !body.isEmpty else { return writeEnd() }
        let span = ChunkSpan(range: ByteRange(first: body.lowerBound, last: body.upperBound - 1, completeLength: meta.bodyLength),
                             chunkSize: entry.chunkSize)
        state = .storedBody(StoredBody(entry: entry, span: span, nextChunk: span.chunks.lowerBound,
                                       nextOffset: span.bytes(inChunk: span.chunks.lowerBound, chunkSize: entry.chunkSize).lowerBound))
        writeStoredSlice()
    }

    /// Reads the next slice on this loop (one `mdb_get`, one copy of just those bytes) and writes
    /// it; the next is read when that write completes, so a slow viewer holds one slice.
    private func writeStoredSlice() {
        guard case .storedBody(var body) = state else { return }
        let index = body.nextChunk
        let inChunk = body.span.bytes(inChunk: index, chunkSize: body.entry.chunkSize)
        let slice = body.nextOffset..<min(inChunk.upperBound, (body.nextOffset / Self.sliceSize + 1) * Self.sliceSize)
        var buffer = context.channel.allocator.buffer(capacity: slice.count)
        let found: Bool
        do {
            found = try cache.reader(on: eventLoop).readChunk(of: body.entry, index: index, bytes: slice, into: &buffer)
        } catch let error as StoreReadError {
            // Never serve bytes that fail to open; the next request fetches the object again.
            cache.dropUnreadable(body.entry.key, error, on: eventLoop)
            found = false
        } catch {
            logger.error("cache read failed mid-response; cutting the response off", metadata: ["error": "\(error)"])
            found = false
        }
        guard found else {
            // Evicted or replaced since the lookup: what was sent cannot be completed.
            return abort(bodyIsDelimited: true)
        }
        let part = NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer)))
        if slice.upperBound < inChunk.upperBound {
            body.nextOffset = slice.upperBound
        } else if index < body.span.chunks.upperBound {
            body.nextChunk += 1
            body.nextOffset = 0
        } else {
            context.write(part, promise: nil)
            return writeEnd()
        }
        state = .storedBody(body)
        context.writeAndFlush(part).assumeIsolated().whenSuccess { [self] in
            writeStoredSlice()
        }
    }

    // MARK: Following a fill

    /// Streams `fill`'s response (the caller has joined it). `complete`: the whole body was
    /// already there when this viewer joined, so for it the response is a hit.
    func follow(_ fill: CacheFill, complete: Bool = false) {
        state = .following(fill, Following(joinedComplete: complete))
        pump()
    }

    /// The fill has something new (called on this loop).
    func fillAdvanced() {
        pump()
    }

    private func pump() {
        while case .following(let fill, var following) = state {
            switch fill.next(for: self) {
            case .wait:
                return
            case .answer(.passThrough):
                fill.leave(self)
                state = .done
                return passThrough()
            case .answer(.stored(let object, let xCache)):
                fill.leave(self)
                state = .idle
                // Joined after the revalidation was done: nothing was asked of the origin for it.
                let joinedLate = following.joinedComplete && xCache == .refreshHit
                return serveStored(object, xCache: joinedLate ? .hit : xCache)
            case .answer(.response(let response)):
                guard startResponse(response, fill: fill, following: &following) else { return }
                state = .following(fill, following)
            case .parts(let parts, let offset):
                return writeParts(parts, at: offset, fill: fill, following: following)
            case .end(.complete):
                fill.leave(self)
                return writeEnd()
            case .end(.failed):
                fill.leave(self)
                return abort(bodyIsDelimited: following.bodyIsDelimited)
            }
        }
    }

    /// Writes the head for a fill's response; false when the response is already complete
    /// (304, 416, HEAD) and the viewer has left the fill.
    private func startResponse(_ response: FillResponse, fill: CacheFill, following: inout Following) -> Bool {
        var response = response
        if following.joinedComplete && response.xCache == .miss { response.xCache = .hit }
        if response.tooLargeToCache && request.headers.contains(name: "range") {
            fill.leave(self)
            passThroughNow()
            return false
        }
        if response.status == 200 {
            let conditional = CachedResponseMeta.viewerConditional(
                of: request.headers, entityTag: response.entityTag, lastModified: response.lastModified
            )
            switch conditional {
            case .notModified:
                fill.leave(self)
                writeNotModified(headers: response.headers, age: 0, xCache: response.xCache)
                return false
            case .preconditionFailed:
                fill.leave(self)
                writeLocal(.preconditionFailed, "precondition failed", xCache: response.xCache)
                return false
            case .serve:
                break
            }
        }
        var status = response.status
        var length = response.contentLength
        var extra: [(String, String)] = []
        if response.status == 200, let total = response.contentLength {
            extra.append(("Accept-Ranges", "bytes"))
            switch rangeDecision(length: total, entityTag: response.entityTag, lastModified: response.lastModified) {
            case .partial(let range):
                status = 206
                length = range.count
                following.window = range.first...range.last
                extra.append(("Content-Range", range.contentRange))
            case .unsatisfiable(let contentRange):
                fill.leave(self)
                writeLocal(.rangeNotSatisfiable, "range not satisfiable", xCache: response.xCache, extra: [("Content-Range", contentRange)])
                return false
            case .whole, .multipleRanges:
                break
            }
        }
        following.bodyIsDelimited = length != nil || request.version != .http1_0
        following.headSent = true
        writeHead(status: status, headers: response.headers, contentLength: length, age: 0, xCache: response.xCache, extra: extra)
        if isHEAD || length == 0 {
            fill.leave(self)
            writeEnd()
            return false
        }
        return true
    }

    /// Writes the parts (or the part of them inside the viewer's range); asks for more when the
    /// last write completes.
    private func writeParts(_ parts: [ByteBuffer], at offset: Int, fill: CacheFill, following: Following) {
        var position = offset
        var last: ByteBuffer?
        var windowDone = false
        for part in parts {
            let start = position
            position += part.readableBytes
            var slice = part
            if let window = following.window {
                let from = max(start, window.lowerBound), to = min(position - 1, window.upperBound)
                if start > window.upperBound {
                    windowDone = true
                    break
                }
                guard from <= to else { continue }
                slice = part.getSlice(at: part.readerIndex + from - start, length: to - from + 1)!
                if to == window.upperBound { windowDone = true }
            }
            if let pending = last { context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(pending))), promise: nil) }
            last = slice
            if windowDone { break }
        }
        if windowDone {
            fill.leave(self)
            if let last { context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(last))), promise: nil) }
            return writeEnd()
        }
        guard let last else { return pump() }
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(last)))).assumeIsolated().whenSuccess { [self] in
            pump()
        }
    }

    // MARK: Writing

    private func rangeDecision(length: Int, entityTag: String?, lastModified: String?) -> RangeDecision {
        let ranges = request.headers["range"]
        // Two Range fields are not a defined request: serve the whole object.
        guard ranges.count <= 1 else { return .whole }
        return RangeDecision(range: ranges.first, length: length, ifRange: request.headers.first(name: "if-range"),
                             entityTag: entityTag, lastModified: lastModified)
    }

    /// Writes a response head: `fields` (origin fields and s3edge's fixed ones) plus what
    /// changes per response.
    private func writeHead(status: Int, fields: HTTPHeaders, contentLength: Int?, age: Int64, xCache: XCache) {
        var fields = fields
        fields.add(name: "Date", value: HTTPDate.now())
        if let contentLength { fields.add(name: "Content-Length", value: String(contentLength)) }
        fields.add(name: "Age", value: String(age))
        fields.add(name: "X-Cache", value: xCache.rawValue)
        for (name, value) in extraHeaders { fields.add(name: name, value: value) }
        if request.version.major == 1 && !keepAlive { fields.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: status), headers: fields)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    }

    /// A head from fields not prepared in advance: a fill's (already without the fields s3edge
    /// sets itself, `CacheFill.storedHeaders`), or s3edge's own answer's.
    private func writeHead(status: Int, headers: [(name: String, value: String)], contentLength: Int?, age: Int64,
                           xCache: XCache, extra: [(String, String)] = []) {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + extra.count + extraHeaders.count + 6)
        for (name, value) in headers { fields.add(name: name, value: value) }
        fields.add(name: "Server", value: "s3edge")
        for (name, value) in extra { fields.add(name: name, value: value) }
        writeHead(status: status, fields: fields, contentLength: contentLength, age: age, xCache: xCache)
    }

    /// 304 with the fields RFC 9110 §15.4.5 asks for (validators and caching fields).
    private func writeNotModified(headers: [(name: String, value: String)], age: Int64, xCache: XCache) {
        let kept = headers.filter { Self.notModifiedFields.contains($0.name.lowercased()) }
        writeHead(status: 304, headers: kept, contentLength: nil, age: age, xCache: xCache)
        writeEnd()
    }

    static let notModifiedFields: Set<String> = ["etag", "last-modified", "cache-control", "expires", "vary", "content-location"]

    private func writeLocal(_ status: HTTPResponseStatus, _ reason: String, xCache: XCache, extra: [(String, String)] = []) {
        state = .done
        let body = "s3edge: \(reason)\n"
        writeHead(status: Int(status.code), headers: [("Content-Type", "text/plain; charset=utf-8")],
                  contentLength: body.utf8.count, age: 0, xCache: xCache, extra: extra)
        if !isHEAD {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        writeEnd()
    }

    private func writeEnd() {
        state = .done
        let keepAlive = keepAlive
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { [completion] _ in
            completion(keepAlive)
        }
    }

    private func abort(bodyIsDelimited: Bool) {
        state = .done
        context.abortResponse(version: request.version, bodyIsDelimited: bodyIsDelimited)
        completion(false)
    }
}

extension CachedResponseMeta {
    /// A viewer's conditional against validators not yet stored (a fill's head).
    static func viewerConditional(of headers: HTTPHeaders, entityTag: String?, lastModified: String?) -> ViewerConditionalResult {
        let probe = CachedResponseMeta(
            status: 200, headers: [], bodyLength: 0, entityTag: entityTag, lastModified: lastModified,
            storedAt: CacheTime(millisecondsSince1970: 0), lifetime: StoreLifetime(ttl: .zero)
        )
        return probe.viewerConditional(requestHeaders: headers)
    }
}

@available(*, unavailable)
extension CacheResponder: Sendable {}
