import NIOConcurrencyHelpers

/// A message to the origin thread.
enum OriginCommand: Sendable {
    case start(OriginFetch, OriginRequest)
    /// The delegate acknowledged enough bytes: unpause the transfer.
    case resume(OriginFetch)
    /// The viewer side gave up: remove the transfer, tell no one (the delegate already knows).
    case cancel(OriginFetch)
}

/// The origin thread's mailbox: a lock-protected queue plus `curl_multi_wakeup`, so that any
/// thread can hand work to a thread blocked in `curl_multi_poll`.
final class OriginWorker: Sendable {
    private struct Inbox {
        var commands: [OriginCommand] = []
        var accepting = true
        var stopRequested = false
    }

    let multi: CurlMultiHandle
    private let inbox = NIOLockedValueBox(Inbox())

    init(multi: CurlMultiHandle) {
        self.multi = multi
    }

    /// Any thread. False once the client has shut down: the command was not taken.
    @discardableResult
    func post(_ command: OriginCommand) -> Bool {
        let (accepted, wasEmpty) = inbox.withLockedValue { inbox in
            guard inbox.accepting else { return (false, false) }
            inbox.commands.append(command)
            return (true, inbox.commands.count == 1)
        }
        // Only the post that made the queue non-empty wakes the thread; later ones ride along.
        if wasEmpty { multi.wakeup() }
        return accepted
    }

    /// Any thread. The origin thread finishes every transfer with `.clientShutdown` and exits.
    func requestStop() {
        inbox.withLockedValue { $0.stopRequested = true }
        multi.wakeup()
    }

    /// Origin thread: the commands posted since the last call, and whether to stop. Once it
    /// answers `stop`, no further command is accepted, so none is lost.
    func takeCommands() -> (commands: [OriginCommand], stop: Bool) {
        inbox.withLockedValue { inbox in
            defer { inbox.commands = [] }
            if inbox.stopRequested { inbox.accepting = false }
            return (inbox.commands, inbox.stopRequested)
        }
    }
}
