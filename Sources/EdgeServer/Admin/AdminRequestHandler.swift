import EdgeAdminAPI
import EdgeConfig
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One admin connection (HTTP/1.1): CloudFront's invalidation API (2020-05-31), `/metrics`,
/// `/status`, `/readyz` and `/healthz`. Everything but `/healthz` needs a credential
/// (`AdminCredentials`); failures say only "missing" (401) or "denied" (403), the reason goes to
/// the log.
final class AdminRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bodies larger than this are refused before they are read: the largest legitimate batch
    /// (3,000 paths) is far smaller.
    static let maxBodySize = 1 << 20

    private let admin: AdminContext
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var refused = false

    init(admin: AdminContext) {
        self.admin = admin
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            refused = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > Self.maxBodySize {
                refuseTooLarge(head, context: context)
            }
        case .body(var part):
            guard !refused else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > Self.maxBodySize {
                if let head { refuseTooLarge(head, context: context) }
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head, !refused else { return }
            self.head = nil
            let requestBody = body ?? ByteBuffer()
            body = nil
            respond(to: head, body: requestBody, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func refuseTooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        refused = true
        let error = CloudFrontAPIError.batchTooLarge(
            "The request body exceeds \(Self.maxBodySize) bytes; split the paths into several invalidations.")
        write(AdminResponse.cloudFront(error, requestID: admin.nextRequestID()), to: head, close: true, context: context)
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let (path, query) = AdminRoute.split(head.uri)
        if path == "/healthz" {
            return write(.text(.ok, "ok\n"), to: head, context: context)
        }
        let route = AdminRoute(method: head.method, path: path)
        let requestID = admin.nextRequestID()
        let bodyBytes = Array(body.readableBytesView)
        switch admin.currentCredentials.authenticate(head: head, body: bodyBytes, now: Date()) {
        case .allowed:
            break
        case .missing(let reason):
            admin.logger.notice("admin request without credentials", metadata: [
                "path": "\(path)", "peer": "\(context.remoteAddress?.description ?? "?")", "reason": "\(reason)",
            ])
            return write(route.isCloudFront
                ? .cloudFront(CloudFrontAPIError(
                    code: "MissingAuthenticationToken", httpStatus: 401,
                    message: "Missing Authentication Token", type: .sender), requestID: requestID) : .unauthorized, to: head, context: context)
        case .denied(let reason):
            admin.logger.warning("admin request refused", metadata: [
                "path": "\(path)", "peer": "\(context.remoteAddress?.description ?? "?")", "reason": "\(reason)",
            ])
            return write(route.isCloudFront
                ? .cloudFront(.accessDenied(), requestID: requestID) : .forbidden, to: head, context: context)
        }
        switch route {
        case .readyz:
            let ready = admin.listenersReady.load(ordering: .relaxed)
            write(ready ? .text(.ok, "ready\n") : .text(.serviceUnavailable, "not ready: listeners are not bound yet\n"),
                  to: head, context: context)
        case .status:
            write(.json(AdminStatus(admin: admin).json()), to: head, context: context)
        case .metrics:
            let cache = admin.slot.current.cache
            write(AdminResponse(
                status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: admin.metrics.render(cache: cache.store.usage)
            ), to: head, context: context)
        case .rotateCacheKey:
            rotateCacheKey(head: head, context: context)
        case .createInvalidation(let distributionID):
            createInvalidation(distributionID, body: bodyBytes, head: head, requestID: requestID, context: context)
        case .getInvalidation(let distributionID, let id):
            guard distributionExists(distributionID, head: head, requestID: requestID, context: context) else { return }
            guard let record = admin.slot.current.cache.invalidations.invalidation(distributionID: distributionID, id: id) else {
                return write(.cloudFront(.noSuchInvalidation("The specified invalidation does not exist."), requestID: requestID),
                             to: head, context: context)
            }
            write(.xml(.ok, record.document.xml()), to: head, context: context)
        case .listInvalidations(let distributionID):
            guard distributionExists(distributionID, head: head, requestID: requestID, context: context) else { return }
            listInvalidations(distributionID, query: query, head: head, requestID: requestID, context: context)
        case .methodNotAllowed:
            write(route.isCloudFront
                ? .cloudFront(CloudFrontAPIError(
                    code: "MethodNotAllowed", httpStatus: 405,
                    message: "The method \(head.method.rawValue) is not allowed for this resource.", type: .sender), requestID: requestID)
                : .text(.methodNotAllowed, "s3edge: method \(head.method.rawValue) is not allowed here\n"),
                to: head, context: context)
        case .notFound(let cloudFront):
            write(cloudFront
                ? .cloudFront(CloudFrontAPIError(
                    code: "NotFound", httpStatus: 404, message: "No API operation at this path.", type: .sender), requestID: requestID)
                : .text(.notFound, "s3edge: no admin endpoint at \(path); see /status, /metrics, /cache/rotate-key, /2020-05-31/distribution/ID/invalidation\n"),
                to: head, context: context)
        }
    }

    /// `POST /cache/rotate-key`: a new data key for new entries (KMS `GenerateDataKey`, which
    /// blocks, so it runs off the event loop).
    private func rotateCacheKey(head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let keys = admin.slot.current.cache.keys else {
            return write(.text(.conflict, "s3edge: cache.encryption.mode is none: there is no cache key to rotate\n"), to: head, context: context)
        }
        let promise = context.eventLoop.makePromise(of: CacheKeyManager.Rotation.self)
        DispatchQueue.global().async {
            promise.completeWith(Result { try keys.rotate() })
        }
        let logger = admin.logger
        promise.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let rotation):
                let json = """
                    {"previous_key_id": \(rotation.previous.map { "\"\($0)\"" } ?? "null"), "key_id": "\(rotation.current)", \
                    "kms_key_arn": "\(rotation.kmsKeyARN)"}

                    """
                self.write(.json(json), to: head, context: context)
            case .failure(let error as CacheKeyRotationError):
                self.write(.text(.conflict, "s3edge: \(error)\n"), to: head, context: context)
            case .failure(let error):
                logger.error("cache key rotation failed", metadata: ["error": "\(error)"])
                self.write(.text(.badGateway, "s3edge: the new data key could not be made: \(error)\n"), to: head, context: context)
            }
        }
    }

    private func distributionExists(
        _ id: String, head: HTTPRequestHead, requestID: String, context: ChannelHandlerContext
    ) -> Bool {
        if admin.slot.current.configuration.distributions.contains(where: { $0.id == id }) { return true }
        write(.cloudFront(.noSuchDistribution("The specified distribution does not exist."), requestID: requestID),
              to: head, context: context)
        return false
    }

    private func createInvalidation(
        _ distributionID: String, body: [UInt8], head: HTTPRequestHead, requestID: String, context: ChannelHandlerContext
    ) {
        guard distributionExists(distributionID, head: head, requestID: requestID, context: context) else { return }
        let batch: (callerReference: String, paths: [String])
        do {
            batch = try InvalidationBatchRequest.decode(body)
        } catch {
            return write(.cloudFront(error, requestID: requestID), to: head, context: context)
        }
        let runtime = admin.slot.current
        let configuration = runtime.configuration
        let metrics = admin.metrics
        let logger = admin.logger
        runtime.cache.invalidate(
            distributionID: distributionID, callerReference: batch.callerReference, paths: batch.paths,
            distributionForHost: { configuration.distribution(forHost: $0)?.id }, on: context.eventLoop
        ).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let creation):
                let record: InvalidationLog.Record
                switch creation {
                case .created(let created):
                    record = created
                    metrics.invalidations.increment()
                    metrics.invalidationPaths.increment(by: created.paths.count)
                    logger.notice("invalidation created", metadata: [
                        "distribution": "\(distributionID)", "id": "\(created.id)", "paths": "\(created.paths.count)",
                        "caller_reference": "\(created.callerReference)",
                    ])
                case .existing(let existing):
                    record = existing
                }
                let host = head.headers.first(name: "host") ?? "localhost"
                var response = AdminResponse.xml(.created, record.document.xml())
                response.headers.append(("Location", "https://\(host)/2020-05-31/distribution/\(distributionID)/invalidation/\(record.id)"))
                write(response, to: head, context: context)
            case .failure(let error as InvalidationEngine.CreationError):
                switch error {
                case .invalidPath(let message):
                    write(.cloudFront(.invalidArgument(message), requestID: requestID), to: head, context: context)
                case .callerReferenceReused(let existingID):
                    write(.cloudFront(.invalidationBatchAlreadyExists(
                        "CallerReference \(batch.callerReference) was already used by invalidation \(existingID) "
                            + "with different paths; use a new CallerReference"), requestID: requestID), to: head, context: context)
                case .persistence(let error):
                    logger.error("invalidation not persisted (it is in effect until restart)", metadata: ["error": "\(error)"])
                    write(.cloudFront(.internalFailure("The invalidation could not be saved on the edge; it is in effect until restart."),
                                      requestID: requestID),
                          to: head, context: context)
                }
            case .failure(let error):
                admin.logger.error("invalidation failed", metadata: ["error": "\(error)"])
                write(.cloudFront(.internalFailure("The invalidation could not be created."), requestID: requestID), to: head, context: context)
            }
        }
    }

    private func listInvalidations(
        _ distributionID: String, query: [(String, String)], head: HTTPRequestHead, requestID: String, context: ChannelHandlerContext
    ) {
        let records = admin.slot.current.cache.invalidations.invalidations(distributionID: distributionID)
        let marker = query.last { $0.0 == "Marker" }?.1
        let maxItems = query.last { $0.0 == "MaxItems" }?.1
        do {
            let page = try InvalidationPaging.page(ids: records.map(\.id), marker: marker, maxItems: maxItems)
            let document = InvalidationListDocument(page: page, items: page.indices.map { records[$0].summary })
            write(.xml(.ok, document.xml()), to: head, context: context)
        } catch {
            write(.cloudFront(error, requestID: requestID), to: head, context: context)
        }
    }

    private func write(_ response: AdminResponse, to head: HTTPRequestHead, close: Bool = false, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive && !close
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: "s3edge")
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive && head.version.major == 1 { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        if head.method != .HEAD && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

@available(*, unavailable)
extension AdminRequestHandler: Sendable {}

/// A complete admin response.
struct AdminResponse {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var headers: [(String, String)] = []

    static func text(_ status: HTTPResponseStatus, _ text: String) -> AdminResponse {
        AdminResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func json(_ text: String) -> AdminResponse {
        AdminResponse(status: .ok, contentType: "application/json", body: Array(text.utf8))
    }

    static func xml(_ status: HTTPResponseStatus, _ body: [UInt8]) -> AdminResponse {
        AdminResponse(status: status, contentType: "text/xml", body: body)
    }

    static func cloudFront(_ error: CloudFrontAPIError, requestID: String) -> AdminResponse {
        var response = AdminResponse(
            status: HTTPResponseStatus(statusCode: error.httpStatus), contentType: "text/xml", body: error.xml(requestID: requestID))
        response.headers.append(("x-amz-request-id", requestID))
        return response
    }

    static let unauthorized: AdminResponse = {
        var response = AdminResponse.text(.unauthorized, "s3edge: credentials required\n")
        response.headers.append(("WWW-Authenticate", "Bearer realm=\"s3edge admin\""))
        return response
    }()

    static let forbidden = AdminResponse.text(.forbidden, "s3edge: access denied\n")
}

/// The admin endpoints, by method and path.
enum AdminRoute {
    case readyz, status, metrics
    case rotateCacheKey
    case createInvalidation(String)
    case getInvalidation(String, String)
    case listInvalidations(String)
    case methodNotAllowed
    case notFound(cloudFront: Bool)

    static let apiPrefix = "/2020-05-31/distribution/"

    init(method: HTTPMethod, path: String) {
        switch path {
        case "/readyz": self = method == .GET || method == .HEAD ? .readyz : .methodNotAllowed
        case "/status": self = method == .GET || method == .HEAD ? .status : .methodNotAllowed
        case "/metrics": self = method == .GET || method == .HEAD ? .metrics : .methodNotAllowed
        case "/cache/rotate-key": self = method == .POST ? .rotateCacheKey : .methodNotAllowed
        default:
            guard path.hasPrefix(Self.apiPrefix) else {
                self = .notFound(cloudFront: false)
                return
            }
            let parts = path.dropFirst(Self.apiPrefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            switch (method, parts.count) {
            case (.POST, 2) where parts[1] == "invalidation": self = .createInvalidation(parts[0])
            case (.GET, 2) where parts[1] == "invalidation": self = .listInvalidations(parts[0])
            case (.GET, 3) where parts[1] == "invalidation" && !parts[2].isEmpty: self = .getInvalidation(parts[0], parts[2])
            case (_, 2) where parts[1] == "invalidation", (_, 3) where parts[1] == "invalidation":
                self = .methodNotAllowed
            default: self = .notFound(cloudFront: true)
            }
        }
    }

    var isCloudFront: Bool {
        switch self {
        case .createInvalidation, .getInvalidation, .listInvalidations, .notFound(cloudFront: true): true
        default: false
        }
    }

    /// Path and decoded query parameters of a request target.
    static func split(_ uri: String) -> (path: String, query: [(String, String)]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, []) }
        let query = uri[uri.index(after: mark)...].split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
        return (String(uri[..<mark]), query)
    }
}

extension InvalidationLog.Record {
    var document: InvalidationDocument {
        InvalidationDocument(
            id: id, status: .completed, createTime: createTime, callerReference: callerReference, paths: paths)
    }

    var summary: InvalidationListDocument.Summary {
        InvalidationListDocument.Summary(id: id, createTime: createTime, status: .completed)
    }

    /// Invalidations take effect before the API answers: they are `Completed` from the start.
    var createTime: CloudFrontTimestamp {
        CloudFrontTimestamp(
            secondsSince1970: createdMilliseconds.quotientAndRemainder(dividingBy: 1000).quotient,
            milliseconds: Int(createdMilliseconds % 1000))
    }
}
