import EdgeCache
import Glibc
import EdgeOrigin
import EdgeStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// `X-Cache` values, CloudFront's wording with s3edge's name.
enum XCache: String, Sendable {
    case hit = "Hit from s3edge"
    case miss = "Miss from s3edge"
    case refreshHit = "RefreshHit from s3edge"
    case error = "Error from s3edge"
}

/// How a fill answers its viewers once the origin has spoken.
enum FillAnswer: Sendable {
    /// A response whose body parts follow through the fill.
    case response(FillResponse)
    /// Serve this stored entry instead: the origin confirmed it (304 → `RefreshHit`), or failed
    /// inside the entry's `stale-if-error` window (`Hit`).
    case stored(StoredObject, XCache)
    /// The fill ended before the origin answered (it was stopped): each viewer fetches on its
    /// own, uncached.
    case passThrough
}

/// The head of a response streamed through a fill.
struct FillResponse: Sendable {
    var status: Int
    /// The origin's headers as viewers get them, without the fields s3edge sets itself
    /// (`Content-Length`, `Date`, `Age`, `Server`, `X-Cache`, `Accept-Ranges`).
    var headers: [(name: String, value: String)]
    /// The whole body's length, when the origin sent one.
    var contentLength: Int?
    var entityTag: String?
    var lastModified: String?
    var xCache: XCache
    /// Over `max_object_size`: streamed, not stored. A viewer wanting a range fetches just
    /// that on its own rather than wait through the object's start.
    var tooLargeToCache = false
}

/// One origin fetch for one cache key, shared by every viewer asking for that key meanwhile
/// (request collapsing), teeing the body into the store.
///
/// The origin's callbacks arrive on `eventLoop` (the loop of the request that started the fill),
/// where the store handle lives. Viewers (``CacheResponder``) may be on any loop: they join, and
/// pull the answer and body parts at their own pace through a ``FillBroadcast`` held under a
/// lock (held only to update it; waking viewers and resuming the origin happen after).
final class CacheFill: OriginResponseDelegate, Sendable {
    typealias Broadcast = FillBroadcast<SubscriberRef, FillAnswer>

    /// A viewer, bound to its loop: the fill only ever wakes it there.
    struct SubscriberRef: Hashable, Sendable {
        let id: ObjectIdentifier
        let responder: NIOLoopBound<CacheResponder>

        static func == (lhs: SubscriberRef, rhs: SubscriberRef) -> Bool { lhs.id == rhs.id }
        func hash(into hasher: inout Hasher) { hasher.combine(id) }
    }

    /// Late joiners replay up to this much of the body; past it they stream uncached on their own.
    static let retainLimit = 8 << 20
    /// Past `retainLimit`, how far the origin may run ahead of the slowest viewer.
    static let lagWindow = 2 << 20

    let key: [UInt8]
    let eventLoop: any EventLoop
    /// The invalidation sequence when the fill began, recorded in the entry it stores: an
    /// invalidation created after it hides what it stores.
    let sequence: UInt64
    private let cache: ViewerCache
    let route: OriginRoute
    private let policy: CachePolicy
    private let objectKey: String
    /// A stored entry being revalidated: sent conditionally, served on 304 or (inside its
    /// window) when the origin fails.
    private let revalidation: StoredObject?
    private let logger: Logger
    private let loopState: NIOLoopBoundBox<LoopState>
    private let broadcast = NIOLockedValueBox(Broadcast(retainLimit: CacheFill.retainLimit, lagWindow: CacheFill.lagWindow))
    /// The origin fetch, for viewers on other loops to resume or stop it (both thread-safe).
    private let fetch = NIOLockedValueBox<OriginFetch?>(nil)
    /// Set once the head showed the response will not be stored: the fill then only serves its
    /// viewers, and is stopped when the last one leaves.
    private let passingThrough = NIOLockedValueBox(false)

    /// Origin-side state, only touched on `eventLoop`.
    private struct LoopState {
        enum Phase {
            case awaitingHead
            case streaming
            case collectingError(status: Int, headers: [(name: String, value: String)], body: [UInt8])
            case finished
        }
        var phase = Phase.awaitingHead
        var handle: FillHandle?
        /// The entry to commit, body length still to fill in.
        var meta: CachedResponseMeta?
        var received = 0
    }

    init(
        key: [UInt8], eventLoop: any EventLoop, cache: ViewerCache, route: OriginRoute, policy: CachePolicy,
        objectKey: String, revalidation: StoredObject?, logger: Logger
    ) {
        self.key = key
        self.eventLoop = eventLoop
        self.sequence = cache.invalidations.fillStarted()
        self.cache = cache
        self.route = route
        self.policy = policy
        self.objectKey = objectKey
        self.revalidation = revalidation
        self.logger = logger
        self.loopState = NIOLoopBoundBox(LoopState(), eventLoop: eventLoop)
    }

    deinit {
        cache.invalidations.fillFinished(sequence)
    }

    /// Starts the origin request. Call on `eventLoop`, after registering the fill.
    func start(_ request: OriginRequest) {
        let started = route.client.execute(request, on: eventLoop, delegate: self)
        fetch.withLockedValue { $0 = started }
    }

    // MARK: Viewers (any loop)

    enum JoinOutcome {
        case refused
        case joined
        /// The body is all here already and is being committed: for this viewer it is a hit.
        case joinedComplete
    }

    /// Adds a viewer, unless the fill no longer takes joiners. Call on the viewer's loop.
    func join(_ responder: CacheResponder) -> JoinOutcome {
        let subscriber = reference(responder)
        let outcome: JoinOutcome = broadcast.withLockedValue { broadcast in
            guard broadcast.join(subscriber) else { return .refused }
            if broadcast.end == .complete { return .joinedComplete }
            // Every byte the origin announced is here, its end just not processed yet: the viewer
            // before this one already has the whole object, so for this one it is a hit too.
            if case .response(let response)? = broadcast.answer, let length = response.contentLength,
               broadcast.end == nil, broadcast.received == length {
                return .joinedComplete
            }
            return .joined
        }
        // A finished fill that stores nothing (over max_object_size, not cacheable) still served
        // this viewer from the origin's bytes: a miss.
        return outcome == .joinedComplete && passingThrough.withLockedValue({ $0 }) ? .joined : outcome
    }

    /// The viewer's next step. On `.wait` it is woken (`CacheResponder.fillAdvanced()`, on its
    /// loop) when there is something new. Call on the viewer's loop.
    func next(for responder: CacheResponder) -> Broadcast.Progress {
        let subscriber = reference(responder)
        let (progress, resume) = broadcast.withLockedValue { $0.next(for: subscriber) }
        if resume { demandMore() }
        return progress
    }

    /// The viewer went away, or has what it needs (a range, a 304). The fill goes on for the
    /// cache and the other viewers. Call on the viewer's loop.
    func leave(_ responder: CacheResponder) {
        let subscriber = reference(responder)
        let (resume, nobodyLeft) = broadcast.withLockedValue { ($0.leave(subscriber), $0.subscriberCount == 0) }
        if nobodyLeft && passingThrough.withLockedValue({ $0 }) {
            fetch.withLockedValue { $0 }?.cancel()
        } else if resume {
            demandMore()
        }
    }

    private func reference(_ responder: CacheResponder) -> SubscriberRef {
        SubscriberRef(id: ObjectIdentifier(responder), responder: NIOLoopBound(responder, eventLoop: responder.eventLoop))
    }

    private func demandMore() {
        fetch.withLockedValue { $0 }?.demandMore()
    }

    // MARK: Origin (on eventLoop)

    func originDidReceiveHead(status: Int, headers: [(String, String)]) {
        guard case .awaitingHead = loopState.value.phase else { return }
        route.metrics.recordOriginResponse(status: status)
        let named = headers.map { (name: $0.0, value: $0.1) }
        let now = CacheTime.now()
        if status == 304, let revalidation {
            loopState.value.phase = .finished
            refresh(revalidation, notModified: named, now: now)
            return
        }
        guard (200..<300).contains(status) else {
            loopState.value.phase = .collectingError(status: status, headers: named, body: [])
            return
        }
        if let problem = S3ResponsePolicy.encryptionProblem(key: objectKey, headers: named, requirement: route.encryption) {
            logger.error("refusing to serve an object", metadata: ["problem": "\(problem)", "bucket": "\(route.bucket)"])
            loopState.value.phase = .finished
            fetch.withLockedValue { $0 }?.cancel()
            finishLocally(status: 502, reason: "the object is not stored as this distribution requires")
            return
        }
        let viewerHeaders = Self.storedHeaders(S3ResponsePolicy.viewerHeaders(named))
        let contentLength = named.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
        let entityTag = named.last { $0.name.lowercased() == "etag" }?.value
        let lastModified = named.last { $0.name.lowercased() == "last-modified" }?.value
        var tooLarge = false
        switch policy.storeDecision(status: status, headers: named, now: now) {
        case .doNotStore(let reason):
            logger.debug("not caching", metadata: ["key": "\(objectKey)", "reason": "\(reason)"])
            if case .tooLarge = reason { tooLarge = true }
            passingThrough.withLockedValue { $0 = true }
            // Nobody left to serve (a background revalidation, or every viewer gone): stop.
            if broadcast.withLockedValue({ $0.subscriberCount == 0 }) {
                loopState.value.phase = .finished
                fetch.withLockedValue { $0 }?.cancel()
                publish(answer: nil, end: .failed)
                removeFromRegistry()
                return
            }
        case .store(let lifetime):
            loopState.value.meta = CachedResponseMeta(
                status: status, headers: viewerHeaders, bodyLength: 0, entityTag: entityTag, lastModified: lastModified,
                storedAt: now, lifetime: lifetime, chunkSize: cache.store.configuration.chunkSize,
                invalidationSequence: sequence
            )
            loopState.value.handle = cache.store.beginFill(key: key, on: eventLoop)
        }
        loopState.value.phase = .streaming
        let response = FillResponse(
            status: status, headers: viewerHeaders, contentLength: contentLength, entityTag: entityTag,
            lastModified: lastModified, xCache: .miss, tooLargeToCache: tooLarge
        )
        publish(answer: .response(response), end: nil)
    }

    func originDidReceiveBodyPart(_ buffer: ByteBuffer) {
        switch loopState.value.phase {
        case .streaming:
            loopState.value.received += buffer.readableBytes
            if let handle = loopState.value.handle {
                if loopState.value.received > policy.maxObjectSize {
                    // No Content-Length up front, and more than the policy stores.
                    handle.abort()
                    loopState.value.handle = nil
                } else {
                    handle.append(buffer)
                }
            }
            let (woken, demand) = broadcast.withLockedValue { $0.append(buffer) }
            wake(woken)
            if demand { demandMore() }
        case .collectingError(let status, let headers, var body):
            body += buffer.readableBytesView.prefix(OriginRelay.errorBodyLimit - body.count)
            loopState.value.phase = .collectingError(status: status, headers: headers, body: body)
            demandMore()
        case .awaitingHead, .finished:
            break
        }
    }

    func originDidFinish(_ result: Result<Void, OriginError>) {
        if case .failure = result { route.metrics.originErrors.increment() }
        let phase = loopState.value.phase
        loopState.value.phase = .finished
        switch (phase, result) {
        case (.streaming, .success):
            let received = loopState.value.received
            guard let handle = loopState.value.handle, var meta = loopState.value.meta else {
                publish(answer: nil, end: .complete)
                removeFromRegistry()
                return
            }
            meta.bodyLength = received
            loopState.value.handle = nil
            publish(answer: nil, end: .complete)
            handle.commit(meta: meta.encoded()).whenComplete { [self] result in
                if case .failure(let error) = result {
                    logger.notice("response not cached", metadata: ["key": "\(objectKey)", "reason": "\(error)"])
                }
                removeFromRegistry()
            }
        case (.streaming, .failure(let error)):
            loopState.value.handle?.abort()
            loopState.value.handle = nil
            if case .cancelled = error {} else {
                logger.error("origin body broke off; nothing cached, viewers' responses are cut off",
                             metadata: ["key": "\(objectKey)", "error": "\(error)"])
            }
            removeFromRegistry()
            publish(answer: nil, end: .failed)
        case (.collectingError(let status, let headers, let body), _):
            let explanation = S3ErrorExplanation(status: status, body: body, key: objectKey, bucket: route.bucket, region: route.region)
            if status == 404 {
                logger.debug("\(explanation)")
            } else {
                logger.warning("\(explanation)", metadata: ["bucket": "\(route.bucket)"])
            }
            if status >= 500, let revalidation, serveStaleIfError(revalidation) { return }
            finishWithOriginError(status: status, headers: headers)
        case (.awaitingHead, .failure(let error)):
            if case .cancelled = error { return }
            logger.warning("origin request failed", metadata: ["key": "\(objectKey)", "error": "\(error)"])
            if let revalidation, serveStaleIfError(revalidation) { return }
            finishLocally(status: error.viewerStatus, reason: "the origin could not be reached (\(error.shortReason))")
        case (.awaitingHead, .success), (.finished, _):
            break
        }
    }

    // MARK: Outcomes

    /// The origin confirmed the stored entry: store its new lifetime, serve it as `RefreshHit`.
    private func refresh(_ revalidation: StoredObject, notModified headers: [(name: String, value: String)], now: CacheTime) {
        // The 304's fields replace the stored ones, except those s3edge sets itself (its Date).
        let updates = Self.storedHeaders(S3ResponsePolicy.viewerHeaders(headers))
        guard let refreshed = revalidation.meta.revalidated(notModifiedHeaders: updates, policy: policy, now: now) else {
            // The 304 forbids storing it (no-store with min_ttl 0): still valid for these viewers.
            publish(answer: .stored(revalidation, .refreshHit), end: .complete)
            cache.store.delete(key: key, on: eventLoop).whenComplete { [self] _ in removeFromRegistry() }
            return
        }
        publish(answer: .stored(revalidation.refreshed(refreshed), .refreshHit), end: .complete)
        cache.store.replaceMeta(key: key, generation: revalidation.entry.generation, meta: refreshed.encoded(), on: eventLoop)
            .whenComplete { [self] _ in removeFromRegistry() }
    }

    /// Inside the entry's `stale-if-error` window: serve it as it is.
    private func serveStaleIfError(_ revalidation: StoredObject) -> Bool {
        guard case .stale(_, canServeIfError: true) = revalidation.meta.freshness(at: .now()) else { return false }
        logger.notice("origin failed; serving the stale copy (stale-if-error)", metadata: ["key": "\(objectKey)"])
        publish(answer: .stored(revalidation, .hit), end: .complete)
        removeFromRegistry()
        return true
    }

    /// An error status from the origin: viewers get s3edge's plain answer for it, cached for
    /// `error_caching_min_ttl` (or the origin's lifetime) when the status is one CloudFront caches.
    private func finishWithOriginError(status: Int, headers: [(name: String, value: String)]) {
        let viewerStatus = Int(OriginRelay.viewerStatus(forOrigin: status).code)
        let body = ByteBuffer(string: "s3edge: \(OriginRelay.viewerReason(forOrigin: status))\n")
        let now = CacheTime.now()
        let errorHeaders = Self.errorHeaders(from: headers)
        if case .store(let lifetime) = policy.storeDecision(status: status, headers: headers, now: now) {
            let meta = CachedResponseMeta(
                status: viewerStatus, headers: errorHeaders, bodyLength: body.readableBytes, storedAt: now,
                lifetime: lifetime, chunkSize: cache.store.configuration.chunkSize, invalidationSequence: sequence
            )
            let handle = cache.store.beginFill(key: key, on: eventLoop)
            handle.append(body)
            publish(error: viewerStatus, headers: errorHeaders, body: body)
            handle.commit(meta: meta.encoded()).whenComplete { [self] _ in removeFromRegistry() }
        } else {
            publish(error: viewerStatus, headers: errorHeaders, body: body)
            removeFromRegistry()
        }
    }

    /// s3edge's own answer (origin unreachable, object refused): not cached.
    private func finishLocally(status: Int, reason: String) {
        publish(error: status, headers: Self.errorHeaders(from: []), body: ByteBuffer(string: "s3edge: \(reason)\n"))
        removeFromRegistry()
    }

    private func publish(error status: Int, headers: [(name: String, value: String)], body: ByteBuffer) {
        let response = FillResponse(status: status, headers: headers, contentLength: body.readableBytes, xCache: .error)
        let woken = broadcast.withLockedValue { broadcast in
            broadcast.answer(.response(response)) + broadcast.append(body).wake + broadcast.finish(.complete, fallback: .passThrough)
        }
        wake(woken)
    }

    /// Sets the answer and/or the end. A fill that ends without an answer (cancelled before the
    /// head) tells its viewers to fetch on their own.
    private func publish(answer: FillAnswer?, end: Broadcast.End?) {
        let woken = broadcast.withLockedValue { broadcast in
            (answer.map { broadcast.answer($0) } ?? []) + (end.map { broadcast.finish($0, fallback: .passThrough) } ?? [])
        }
        wake(woken)
    }

    private func wake(_ subscribers: [SubscriberRef]) {
        for subscriber in subscribers {
            let responder = subscriber.responder
            responder.eventLoop.execute { responder.value.fillAdvanced() }
        }
    }

    /// Later requests for the key start a new fill (or, normally, hit the committed entry).
    private func removeFromRegistry() {
        cache.fills.withLock { fills in
            if fills[key] === self {
                fills[key] = nil
                cache.fillsEnded.add(1, ordering: .releasing)
            }
        }
    }

    /// Fields s3edge sets itself are not stored: they are computed per response.
    static func storedHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !ownHeaders.contains($0.name.lowercased()) }
    }

    static let ownHeaders: Set<String> = [
        "content-length", "date", "age", "server", "x-cache", "accept-ranges", "content-range",
        "strict-transport-security",
    ]

    /// An error answer's headers: plain text, plus the origin's caching fields (so a cached
    /// error's `Cache-Control` shows why it lives as long as it does).
    static func errorHeaders(from origin: [(name: String, value: String)]) -> [(name: String, value: String)] {
        [("Content-Type", "text/plain; charset=utf-8")]
            + origin.filter { ["cache-control", "expires"].contains($0.name.lowercased()) }
    }
}

extension CacheTime {
    /// The wall clock now.
    static func now() -> CacheTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CacheTime(millisecondsSince1970: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
