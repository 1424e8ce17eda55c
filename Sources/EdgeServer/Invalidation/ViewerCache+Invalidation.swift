import EdgeCache
import EdgeConfig
import EdgeStore
import Logging
import NIOCore
import NIOPosix

extension ViewerCache {
    /// Creates an invalidation of `distributionID` (in effect for every lookup before this
    /// returns, persisted, fills of matching keys detached), then reclaims the space of what it
    /// hides in the background. Runs the `fsync` on NIO's thread pool.
    func invalidate(
        distributionID: String, callerReference: String, paths: [String],
        distributionForHost: @escaping @Sendable (String) -> String?, on loop: any EventLoop
    ) -> EventLoopFuture<InvalidationEngine.Creation> {
        let engine = invalidations
        return NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            try engine.create(distributionID: distributionID, callerReference: callerReference, paths: paths)
        }.map { creation in
            if case .created = creation {
                self.detachFills(of: distributionID)
                self.sweep(distributionForHost: distributionForHost, on: loop)
            }
            return creation
        }
    }

    /// New requests for a key whose running fill began before an invalidation covering it must
    /// not join that fill: it may be fetching the old object. They start their own.
    private func detachFills(of distributionID: String) {
        let engine = invalidations
        let detached = fills.withLock { fills -> Int in
            let stale = fills.filter { key, fill in
                fill.route.distributionID == distributionID
                    && engine.isHidden(key: key, sequence: fill.sequence, distributionID: distributionID)
            }
            for key in stale.keys { fills[key] = nil }
            return stale.count
        }
        if detached > 0 {
            logger.debug("invalidation detached running fills", metadata: ["fills": "\(detached)"])
        }
    }

    /// How long to wait before sweeping again when rules could not all be retired (a slow fill
    /// older than them was running, or the sweep failed).
    static let sweepRetryDelay = TimeAmount.seconds(30)

    /// Deletes, in the background, every stored entry an invalidation hides, then retires the
    /// rules the sweep covered. One sweep at a time; a request for another while one runs starts
    /// it when the first ends.
    func sweep(distributionForHost: @escaping @Sendable (String) -> String?, on loop: any EventLoop) {
        let engine = invalidations
        guard let through = engine.beginSweep() else { return }
        let started = NIODeadline.now()
        let matches: @Sendable ([UInt8], ByteBuffer?) -> Bool = { key, meta in
            guard let subject = InvalidationSubject(cacheKey: key),
                let distribution = distributionForHost(String(decoding: subject.host, as: UTF8.self))
            else { return false }
            guard let meta else {
                // A fill in progress: its sequence is not known here; any matching rule fails it
                // (it would be hidden anyway, or is merely not stored).
                return engine.isHidden(key: key, sequence: 0, distributionID: distribution)
            }
            guard let decoded = try? CachedResponseMeta(decoding: meta) else { return true }
            return engine.isHidden(key: key, sequence: decoded.invalidationSequence, distributionID: distribution)
        }
        let logger = logger
        store.sweep(matches: matches, on: loop).whenComplete { result in
            let completed: Bool
            switch result {
            case .success(let deleted):
                completed = true
                logger.info("invalidation sweep finished", metadata: [
                    "deleted_entries": "\(deleted)", "ms": "\((NIODeadline.now() - started).nanoseconds / 1_000_000)",
                ])
            case .failure(let error):
                completed = false
                logger.warning("invalidation sweep stopped; invalidated entries stay hidden", metadata: ["error": "\(error)"])
            }
            switch engine.endSweep(through: through, completed: completed).next {
            case .none:
                break
            case .now:
                self.sweep(distributionForHost: distributionForHost, on: loop)
            case .later:
                loop.scheduleTask(in: Self.sweepRetryDelay) {
                    self.sweep(distributionForHost: distributionForHost, on: loop)
                }
            }
        }
    }
}

extension ViewerCache {
    /// After a restart, rules still in force from the log: reclaim what they hide.
    public func sweepAtStart(configuration: EdgeConfiguration, on loop: any EventLoop) {
        guard invalidations.hasActiveRules else { return }
        sweep(distributionForHost: { configuration.distribution(forHost: $0)?.id }, on: loop)
    }
}
