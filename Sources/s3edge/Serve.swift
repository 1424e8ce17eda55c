import ArgumentParser
import EdgeConfig
import EdgeOrigin
import EdgeServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Runs the daemon in the foreground (systemd `Type=notify`).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the edge server.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let journald = environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, journald: journald) }
        let logger = Logger(label: "s3edge")

        let check = ConfigurationCheck(path: options.config)
        for diagnostic in check.diagnostics { logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(diagnostic)") }
        guard let configuration = check.configuration else {
            logger.critical("not starting: the configuration has errors", metadata: [
                "fix": "correct them (s3edge check-config --config \(options.config) lists them all)",
            ])
            throw ExitCode(1)
        }
        JournalLogHandler.level.withLockedValue { $0 = Logger.Level(configuration.log.level) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let metrics = EdgeMetrics()
        let credentials = CredentialSources(environment: .process(), logger: logger)
        let origins = OriginServices(logger: logger, credentials: credentials, metrics: metrics)
        let keys = CacheKeyManager(settings: configuration.cache, credentials: credentials, environment: environment,
                                   logger: logger, metrics: metrics)
        let cache: ViewerCache
        do {
            // Origins' and KMS's credentials first: the cache's data key may need KMS.
            try await origins.prepare(for: configuration)
            cache = try ViewerCache(settings: configuration.cache, loops: Array(group.makeIterator()), keys: keys, logger: logger,
                                    unreadableEntries: { metrics.recordUnreadableCacheEntry() })
        } catch {
            logger.critical("not starting: \(error)")
            origins.shutdown()
            try await group.shutdownGracefully()
            throw ExitCode(1)
        }
        let runtime: EdgeRuntime
        let adminCredentials: AdminCredentials
        let accessLog: AccessLogWriter?
        do {
            try keys.start(entriesByKey: cache.startupReport.entriesByKey)
            runtime = try EdgeRuntime(configuration: configuration, origins: origins, cache: cache)
            adminCredentials = try AdminCredentials(configuration.admin)
            accessLog = try AccessLogWriter.open(configuration.accessLog, logger: logger)
        } catch {
            logger.critical("not starting: \(error)")
            keys.shutdown()
            origins.shutdown()
            cache.close()
            keys.wipeKeys()
            try await group.shutdownGracefully()
            throw ExitCode(1)
        }
        cache.sweepAtStart(configuration: configuration, on: group.next())

        let observability = Observability(metrics: metrics, accessLog: accessLog)
        let failed = await run(
            runtime, origins: origins, group: group, observability: observability, adminCredentials: adminCredentials,
            logger: logger, notifySocket: environment["NOTIFY_SOCKET"]
        )
        keys.shutdown()
        origins.shutdown()
        cache.close()
        keys.wipeKeys()
        accessLog?.shutdown()
        // The service (and its quiescing helper) is gone by now: nothing schedules on the loops.
        try await group.shutdownGracefully()
        if failed { throw ExitCode(1) }
    }

    /// Runs until SIGTERM/SIGINT has drained the server; true when it ended in an error.
    private func run(
        _ runtime: EdgeRuntime, origins: OriginServices, group: MultiThreadedEventLoopGroup, observability: Observability,
        adminCredentials: AdminCredentials, logger: Logger, notifySocket: String?
    ) async -> Bool {
        let service = EdgeService(
            configPath: options.config,
            runtime: runtime,
            origins: origins,
            group: group,
            logger: logger,
            notifier: SystemdNotifier(socketPath: notifySocket),
            observability: observability,
            adminCredentials: adminCredentials
        )
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await services.run()
            return false
        } catch {
            logger.critical("\(error)")
            return true
        }
    }
}
