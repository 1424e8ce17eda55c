import NIOCore

/// Request collapsing: one origin fetch per cache key at a time, however many
/// viewers ask for it meanwhile. A value-type state machine: every event is a
/// `mutating func` returning what the caller must do; it performs no I/O and
/// holds no channels, so it is tested as a plain value.
///
/// The first request for a key gets `.startFetch` and its caller runs the
/// fetch, reporting the head, body parts and the end back here. Later requests
/// `.joinExisting` and get a replay of what arrived so far, then every later
/// part through `.deliver`. A waiter that leaves (viewer gone) does not stop
/// the fill: the object is still worth caching for the next viewer. A failed
/// fill ends every waiter with a failure and forgets the key, so the next
/// request starts a fresh fetch and nothing partial is ever served as whole.
///
/// Memory: a fill keeps the parts received so far (as `ByteBuffer`s, shared,
/// not copied) for late joiners, so it holds at most one object's bytes; the
/// policy's `maxObjectSize` bounds that.
///
/// Thread-safety: not synchronized. Use one instance per event loop (keys
/// sharded by loop), or `LockedFetchCoalescer` when fills are shared across
/// loops; the integrator decides.
public struct FetchCoalescer<Key: Hashable & Sendable, Waiter: Hashable & Sendable, Head: Sendable>: Sendable {
    /// A fill in progress, per key.
    enum State: Sendable {
        /// The fetch was started; the origin has not answered yet.
        case awaitingHead(waiters: [Waiter])
        /// The origin answered; `body` is every part received so far.
        case streaming(head: Head, body: [ByteBuffer], waiters: [Waiter])
    }

    private var fills: [Key: State] = [:]

    public init() {}

    /// What a new request for a key must do.
    public enum JoinAction: Sendable {
        /// No fill is running: this caller starts the fetch (and is its first waiter).
        case startFetch
        /// A fill is running: send `replay` now; later parts come via `.deliver`.
        case joinExisting(replay: Replay)
    }

    /// What a late joiner missed: the head if it has arrived, and every body part since.
    public struct Replay: Sendable {
        public var head: Head?
        public var body: [ByteBuffer]
    }

    /// What to do with an event from the origin.
    public enum DeliverAction: Sendable {
        /// Send the response head to these waiters.
        case deliverHead(Head, to: [Waiter])
        /// Send this body part to these waiters (possibly none: the fill goes on for the cache).
        case deliver(ByteBuffer, to: [Waiter])
        /// The key has no fill (it failed or finished before): drop the event.
        case none
    }

    /// What to do when a fill ends.
    public enum CompletionAction: Sendable {
        /// The body is complete: end the response of these waiters.
        case finishAll([Waiter])
        /// The fetch failed: fail these waiters (reset streams, or 502 if no head was sent).
        case failAll([Waiter])
        /// The key has no fill: nothing to do.
        case none
    }

    /// Number of keys being filled.
    public var activeFills: Int { fills.count }

    /// True while a fill for `key` runs.
    public func isFilling(_ key: Key) -> Bool { fills[key] != nil }

    /// `waiter` asks for `key`. Asking twice with the same waiter registers it once.
    public mutating func request(_ key: Key, waiter: Waiter) -> JoinAction {
        switch fills[key] {
        case nil:
            fills[key] = .awaitingHead(waiters: [waiter])
            return .startFetch
        case .awaitingHead(var waiters):
            if !waiters.contains(waiter) { waiters.append(waiter) }
            fills[key] = .awaitingHead(waiters: waiters)
            return .joinExisting(replay: Replay(head: nil, body: []))
        case .streaming(let head, let body, var waiters):
            if !waiters.contains(waiter) { waiters.append(waiter) }
            fills[key] = .streaming(head: head, body: body, waiters: waiters)
            return .joinExisting(replay: Replay(head: head, body: body))
        }
    }

    /// The origin answered with `head`. A second head for the same fill is
    /// ignored (`.none`): only a new fill may change it.
    public mutating func receivedHead(_ head: Head, for key: Key) -> DeliverAction {
        guard case .awaitingHead(let waiters) = fills[key] else { return .none }
        fills[key] = .streaming(head: head, body: [], waiters: waiters)
        return .deliverHead(head, to: waiters)
    }

    /// A body part arrived. Parts before the head are a caller bug and are dropped.
    public mutating func received(_ bytes: ByteBuffer, for key: Key) -> DeliverAction {
        guard case .streaming(let head, var body, let waiters) = fills[key] else { return .none }
        fills[key] = nil  // Keeps `body` uniquely referenced while appending.
        body.append(bytes)
        fills[key] = .streaming(head: head, body: body, waiters: waiters)
        return .deliver(bytes, to: waiters)
    }

    /// The body is complete. The fill ends; the next request starts a new one
    /// (normally a cache hit by then, as the store has committed the entry).
    public mutating func finished(_ key: Key) -> CompletionAction {
        guard case .streaming(_, _, let waiters) = fills.removeValue(forKey: key) else {
            return .none
        }
        return .finishAll(waiters)
    }

    /// The fetch failed (before or after the head). Every waiter fails; the
    /// key is forgotten, leaving nothing behind.
    public mutating func failed(_ key: Key) -> CompletionAction {
        switch fills.removeValue(forKey: key) {
        case .awaitingHead(let waiters), .streaming(_, _, let waiters): return .failAll(waiters)
        case nil: return .none
        }
    }

    /// `waiter` no longer wants `key` (its viewer went away). The fill goes
    /// on: it still fills the cache.
    public mutating func leave(_ key: Key, waiter: Waiter) {
        switch fills[key] {
        case .awaitingHead(var waiters):
            waiters.removeAll { $0 == waiter }
            fills[key] = .awaitingHead(waiters: waiters)
        case .streaming(let head, let body, var waiters):
            waiters.removeAll { $0 == waiter }
            fills[key] = .streaming(head: head, body: body, waiters: waiters)
        case nil:
            break
        }
    }
}
