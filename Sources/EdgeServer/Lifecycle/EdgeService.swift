import EdgeConfig
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The daemon: binds the viewer listeners, tells systemd it is ready, reloads on SIGHUP and
/// drains on graceful shutdown (SIGTERM/SIGINT).
public final class EdgeService: Service {
    private let configPath: String
    private let slot: RuntimeSlot
    private let group: any EventLoopGroup
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let registry: ConnectionRegistry
    private let origins: OriginServices
    private let onBound: @Sendable ([SocketAddress]) -> Void
    private let admin: AdminContext
    private let observability: Observability

    public init(
        configPath: String,
        runtime: EdgeRuntime,
        origins: OriginServices,
        group: any EventLoopGroup,
        logger: Logger,
        notifier: SystemdNotifier,
        observability: Observability,
        adminCredentials: AdminCredentials,
        onBound: @escaping @Sendable ([SocketAddress]) -> Void = { _ in }
    ) {
        self.configPath = configPath
        let slot = RuntimeSlot(runtime)
        self.slot = slot
        self.admin = AdminContext(slot: slot, metrics: observability.metrics, credentials: adminCredentials, logger: logger)
        self.observability = observability
        self.group = group
        self.logger = logger
        self.notifier = notifier
        self.registry = ConnectionRegistry(logger: logger)
        self.origins = origins
        self.onBound = onBound
    }

    public func run() async throws {
        // Trap SIGHUP before READY=1: `systemctl start && systemctl reload` must not kill us.
        let reloads = await UnixSignalsSequence(trapping: .sighup)
        let listeners = try await bind(slot.current.configuration)
        onBound(listeners.map(\.channel).compactMap(\.localAddress))
        admin.listenersReady.store(true, ordering: .relaxed)
        let summary = slot.current.configuration.listenSummary
        let adminURL = slot.current.configuration.listen.admin.map { "\(slot.current.configuration.admin.tls ? "https" : "http")://\($0)" }
        logger.info("s3edge ready", metadata: ["listen": "\(summary)", "admin": "\(adminURL ?? "off")"])
        if slot.current.configuration.listen.admin != nil && slot.current.configuration.admin.hasNoCredentials {
            logger.notice("the admin API has no credentials: it answers only /healthz", metadata: [
                "fix": "add admin.tokens_file or admin.access_keys to use invalidations, /metrics and /status",
            ])
        }
        notifier.ready(status: "serving \(summary)")

        await cancelWhenGracefulShutdown {
            for await _ in reloads {
                await self.reload()
            }
        }
        await drain(listeners)
        origins.shutdown()
    }

    /// A bound listener and the helper that closes it and tells its connections to finish.
    private struct Listener {
        let channel: any Channel
        let quiesce: ServerQuiescingHelper
    }

    private func bind(_ configuration: EdgeConfiguration) async throws -> [Listener] {
        var listeners: [Listener] = []
        let wanted = configuration.listen.https.map { (ListenerKind.https, $0) } + configuration.listen.http.map { (ListenerKind.http, $0) }
            + (configuration.listen.admin.map { [(ListenerKind.admin, $0)] } ?? [])
        for (kind, address) in wanted {
            // One helper per listener: a helper collects the connections of one server channel only.
            let quiesce = ServerQuiescingHelper(group: group)
            do {
                let channel = try await bootstrap(kind, address, quiesce: quiesce).bind(host: address.host, port: address.port).get()
                listeners.append(Listener(channel: channel, quiesce: quiesce))
            } catch {
                _ = await shutDown(listeners, within: .seconds(5))
                let scheme = kind == .http || (kind == .admin && !configuration.admin.tls) ? "http" : "https"
                throw ListenError(underlying: error, address: "\(scheme)://\(address)\(kind == .admin ? " (listen.admin)" : "")")
            }
        }
        return listeners
    }

    private enum ListenerKind {
        case https, http, admin
    }

    private func bootstrap(_ kind: ListenerKind, _ address: ListenAddress, quiesce: ServerQuiescingHelper) -> ServerBootstrap {
        let slot = slot, registry = registry, logger = logger, admin = admin, observability = observability
        // "[::]:443" beside "0.0.0.0:443" must not claim IPv4 too (nginx's ipv6only=on).
        let ipv6Only = ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        return (address.host.contains(":") ? bootstrap.serverChannelOption(ipv6Only, value: 1) : bootstrap)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                let runtime = slot.current
                guard registry.admit(channel, limit: runtime.configuration.limits.maxConnections) else {
                    return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
                }
                return channel.eventLoop.makeCompletedFuture {
                    switch kind {
                    case .https: try ViewerPipelines.https(channel, runtime: runtime, observability: observability, logger: logger)
                    case .http: try ViewerPipelines.http(channel, runtime: runtime, observability: observability, logger: logger)
                    case .admin: try AdminPipelines.configure(channel, admin: admin, logger: logger)
                    }
                }
            }
    }

    /// SIGHUP: re-read the file; a valid one becomes the generation new connections get, an
    /// invalid one is logged and the running generation stays.
    func reload() async {
        notifier.reloading()
        // logrotate moved the file away and sent SIGHUP: new lines go to a new file.
        observability.accessLog?.reopen()
        defer { notifier.ready(status: "serving \(slot.current.configuration.listenSummary)") }
        let old = slot.current
        let check = ConfigurationCheck(path: configPath)
        for warning in check.warnings { logger.warning("\(warning)") }
        guard let configuration = check.configuration else {
            for error in check.errors { logger.error("\(error)") }
            logger.error("reload failed: keeping the running configuration", metadata: [
                "generation": "\(old.generation)", "fix": "correct the errors above, check with s3edge check-config, then reload again",
            ])
            return
        }
        do {
            try await origins.prepare(for: configuration)
            let credentials = try AdminCredentials(configuration.admin)
            let runtime = try EdgeRuntime(configuration: configuration, origins: origins, cache: old.cache, generation: old.generation + 1)
            slot.replace(with: runtime)
            admin.replaceCredentials(credentials)
            JournalLogHandler.level.withLockedValue { $0 = Logger.Level(configuration.log.level) }
            if configuration.cache != old.configuration.cache {
                logger.warning("cache path, max_size or encryption changed: they take effect on restart, not reload", metadata: [
                    "running": "\(old.configuration.cache.path) \(old.configuration.cache.maxSize) bytes, encryption \(old.configuration.cache.encryption.modeName)",
                    "configured": "\(configuration.cache.path) \(configuration.cache.maxSize) bytes, encryption \(configuration.cache.encryption.modeName)",
                ])
            }
            if configuration.accessLog != old.configuration.accessLog {
                logger.warning("access_log changed: it takes effect on restart, not reload")
            }
            if configuration.listen != old.configuration.listen {
                logger.warning("listen addresses changed: they take effect on restart, not reload", metadata: [
                    "running": "\(old.configuration.listenSummary)", "configured": "\(configuration.listenSummary)",
                ])
            }
            logger.info("reloaded configuration", metadata: [
                "generation": "\(runtime.generation)", "certificates": "\(runtime.tls.certificates.map(\.subject))",
            ])
        } catch {
            logger.error("reload failed: keeping the running configuration", metadata: ["error": "\(error)"])
        }
    }

    /// Stop accepting, let in-flight requests finish, close idle connections; after the drain
    /// timeout close whatever is left.
    private func drain(_ listeners: [Listener]) async {
        notifier.stopping()
        let timeout = slot.current.configuration.limits.drainTimeout
        logger.info("draining", metadata: ["connections": "\(registry.count)", "timeout": "\(timeout)"])
        if await !shutDown(listeners, within: timeout) {
            logger.warning("drain timeout: closing remaining connections", metadata: ["connections": "\(registry.count)"])
            let loop = group.next()
            _ = await registry.closeAll(on: loop).completes(within: .seconds(5), on: loop)
        }
        logger.info("stopped")
    }

    /// Closes the listeners and waits until their connections are gone; false on timeout.
    private func shutDown(_ listeners: [Listener], within timeout: Duration) async -> Bool {
        let loop = group.next()
        let done = listeners.map { listener in
            let promise = loop.makePromise(of: Void.self)
            listener.quiesce.initiateShutdown(promise: promise)
            return promise.futureResult
        }
        return await EventLoopFuture.andAllComplete(done, on: loop).completes(within: TimeAmount(timeout), on: loop)
    }
}

extension EventLoopFuture {
    /// Waits for the future, but no longer than `timeout`; true when it completed in time.
    /// (A task group would wait for the future regardless: futures ignore cancellation.)
    func completes(within timeout: TimeAmount, on loop: any EventLoop) async -> Bool {
        let outcome = loop.makePromise(of: Bool.self)
        let settled = NIOLockedValueBox(false)
        let settle: @Sendable (Bool) -> Void = { value in
            if settled.withLockedValue({ old in defer { old = true }; return !old }) { outcome.succeed(value) }
        }
        let timer = loop.scheduleTask(in: timeout) { settle(false) }
        whenComplete { _ in
            timer.cancel()
            settle(true)
        }
        return (try? await outcome.futureResult.get()) ?? false
    }
}

struct ConnectionLimitReached: Error {}

/// A listener could not be bound, with the usual causes spelled out.
public struct ListenError: Error, CustomStringConvertible {
    var underlying: any Error
    var address: String

    public var description: String {
        "cannot listen on \(address): \(underlying); is another process using the port? "
            + "(ports below 1024 also need CAP_NET_BIND_SERVICE, which the systemd unit grants)"
    }
}

extension EdgeConfiguration {
    var listenSummary: String {
        let https = listen.https.map { "https://\($0)" }
        let http = listen.http.map { "http://\($0)" }
        return (https + http).joined(separator: " ")
    }
}

extension Logger.Level {
    public init(_ name: LogLevelName) {
        self = Logger.Level(rawValue: name.rawValue) ?? .info
    }
}
