import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Counts and remembers open connections across all listeners: it enforces
/// `limits.max_connections` at accept time and can force-close stragglers when a drain times out.
final class ConnectionRegistry: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var refused = 0
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var count: Int { state.withLockedValue { $0.open.count } }

    /// Registers `channel` if under `limit`; otherwise returns false and the caller closes it.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admitted, refusedSoFar) = state.withLockedValue { state -> (Bool, Int) in
            guard state.open.count < limit else {
                state.refused += 1
                return (false, state.refused)
            }
            state.open[id] = channel
            return (true, 0)
        }
        if admitted {
            channel.closeFuture.whenComplete { [state] _ in
                state.withLockedValue { _ = $0.open.removeValue(forKey: id) }
            }
        } else if refusedSoFar == 1 || refusedSoFar.isMultiple(of: 1000) {
            logger.warning(
                "connection limit reached: refusing new connections",
                metadata: ["limit": "\(limit)", "refused_total": "\(refusedSoFar)",
                           "fix": "raise limits.max_connections if the machine can take more"]
            )
        }
        return admitted
    }

    /// Closes every connection still open (after the drain timeout); completes when all are closed.
    func closeAll(on loop: any EventLoop) -> EventLoopFuture<Void> {
        let channels = state.withLockedValue { Array($0.open.values) }
        for channel in channels { channel.close(promise: nil) }
        return EventLoopFuture.andAllComplete(channels.map(\.closeFuture), on: loop)
    }
}
