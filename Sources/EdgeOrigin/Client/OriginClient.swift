import Logging
import NIOCore

/// Fetches from the origin with libcurl's multi interface on one dedicated thread, and delivers
/// each response to its caller's event loop.
///
/// Connections are pooled and kept alive per host (HTTP/1.1, at most
/// `maxConnectionsPerHost` at once). TLS peer and host verification is always on. Redirects are
/// not followed and the body is passed through as sent (no decompression). Idempotent requests
/// are retried when their connection fails before any response byte. Nothing it logs carries a
/// header value or the query string.
public final class OriginClient: Sendable {
    private let configuration: OriginClientConfiguration
    private let worker: OriginWorker
    private let thread: OriginThread

    public init(configuration: OriginClientConfiguration = OriginClientConfiguration(),
                logger: Logger = Logger(label: "s3edge.origin")) throws {
        let multi = try CurlMultiHandle(maxConnectionsPerHost: configuration.maxConnectionsPerHost,
                                        maxIdleConnections: configuration.maxIdleConnections)
        let worker = OriginWorker(multi: multi)
        self.configuration = configuration
        self.worker = worker
        self.thread = try OriginThread(name: "s3edge-origin") {
            OriginCurlLoop(worker: worker, configuration: configuration, logger: logger).run()
        }
    }

    deinit {
        shutdown()
    }

    /// Starts a fetch. Call on `eventLoop`; every delegate call happens there, the first one on
    /// a later tick, so the returned fetch can be stored before anything arrives.
    public func execute(_ request: OriginRequest, on eventLoop: any EventLoop,
                        delegate: some OriginResponseDelegate) -> OriginFetch {
        let fetch = OriginFetch(eventLoop: eventLoop, delegate: delegate, worker: worker,
                                bodyBufferLimit: configuration.bodyBufferLimit)
        if !worker.post(.start(fetch, request)) {
            fetch.post(.finished(.failure(.clientShutdown)))
        }
        return fetch
    }

    /// Ends every fetch with `.clientShutdown`, stops the origin thread and waits for it.
    /// Later `execute` calls finish at once with `.clientShutdown`. Idempotent.
    public func shutdown() {
        worker.requestStop()
        thread.join()
    }
}
