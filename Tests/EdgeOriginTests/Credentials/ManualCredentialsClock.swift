import EdgeOrigin
import Foundation
import Testing

/// A wall clock that moves only when the test says so. Sleepers wake when `advance(to:)` passes
/// their deadline, so refresh timing is tested without sleeping.
final class ManualCredentialsClock: CredentialsClock {
    private struct Sleeper {
        var id: Int
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID = 0
        var cancelled: Set<Int> = []
    }

    private let state: LockedBox<State>

    init(now: Date) {
        state = LockedBox(State(now: now))
    }

    func now() -> Date { state.withLock { $0.now } }

    /// Deadlines of tasks sleeping now.
    var sleepingUntil: [Date] { state.withLock { $0.sleepers.map(\.deadline) } }

    func sleep(until deadline: Date) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.contains(id) { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time to `date` and wakes every sleeper whose deadline has come.
    func advance(to date: Date) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Waits (polling every 2 ms, up to 5 s) until something sleeps with a deadline matching `condition`.
    func waitForSleeper(
        sourceLocation: SourceLocation = #_sourceLocation, where condition: (Date) -> Bool = { _ in true }
    ) async throws -> Date {
        for _ in 0..<2500 {
            if let deadline = sleepingUntil.first(where: condition) { return deadline }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("nothing went to sleep on the manual clock within 5 s", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}
