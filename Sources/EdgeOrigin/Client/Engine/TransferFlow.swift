import NIOConcurrencyHelpers

/// Back-pressure accounting for one fetch, shared by the origin thread (which hands body bytes
/// over) and the event loop (which acknowledges them for the delegate).
///
/// Bytes in flight = handed over − acknowledged: bytes not yet posted, posted but not yet run,
/// and delivered but not yet acknowledged with `demandMore()`. The write callback takes no more
/// once this reaches `limit`, so the peak is at most `limit` plus one curl write (16 KiB).
final class TransferFlow: Sendable {
    private struct State {
        var handed = 0
        var acknowledged = 0
        var paused = false
        var peak = 0
        var attempts = 0
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Origin thread: may `count` more bytes be taken now? When not, the transfer is marked
    /// paused and the caller must return `CURL_WRITEFUNC_PAUSE`.
    func admit(_ count: Int) -> Bool {
        state.withLockedValue { state in
            guard state.handed - state.acknowledged < limit else {
                state.paused = true
                return false
            }
            state.handed += count
            state.peak = max(state.peak, state.handed - state.acknowledged)
            return true
        }
    }

    /// Event loop: the delegate consumed the first `delivered` bytes. True when the transfer was
    /// paused and the origin thread must now resume it.
    func acknowledge(upTo delivered: Int) -> Bool {
        state.withLockedValue { state in
            state.acknowledged = max(state.acknowledged, delivered)
            guard state.paused, state.handed - state.acknowledged < limit else { return false }
            state.paused = false
            return true
        }
    }

    func recordAttempt() {
        state.withLockedValue { $0.attempts += 1 }
    }

    var statistics: OriginFetch.Statistics {
        state.withLockedValue {
            .init(attempts: $0.attempts, bytesReceived: $0.handed,
                  bytesInFlight: $0.handed - $0.acknowledged, peakBytesInFlight: $0.peak)
        }
    }
}
