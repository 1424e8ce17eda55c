import EdgeConfig
import Foundation
import Logging
import NIOCore
import Synchronization

/// The version `s3edge --version` and `/status` report.
public let s3edgeVersion = "0.2.0"

/// What the admin listener's handlers share: the running configuration, the cache, the metrics
/// and the credentials, built at start and on every reload.
public final class AdminContext: Sendable {
    let slot: RuntimeSlot
    let metrics: EdgeMetrics
    let logger: Logger
    let startedAt = ContinuousClock.now
    private let credentials: Mutex<AdminCredentials>
    /// Set once every listener is bound; `/readyz` answers 503 before.
    let listenersReady = Atomic<Bool>(false)
    private let requestCounter = Atomic<UInt64>(0)

    init(slot: RuntimeSlot, metrics: EdgeMetrics, credentials: AdminCredentials, logger: Logger) {
        self.slot = slot
        self.metrics = metrics
        self.credentials = Mutex(credentials)
        self.logger = logger
    }

    var currentCredentials: AdminCredentials {
        credentials.withLock { $0 }
    }

    func replaceCredentials(_ new: AdminCredentials) {
        credentials.withLock { $0 = new }
    }

    /// A request id for CloudFront-style error documents and the log.
    func nextRequestID() -> String {
        let count = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return "s3edge-admin-\(ProcessInfo.processInfo.processIdentifier)-\(count)"
    }
}
