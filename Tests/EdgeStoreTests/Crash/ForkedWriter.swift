@testable import EdgeStore
import Glibc
import NIOCore

/// One child process running ``CrashWorkload`` against the cache directory, killed with
/// `SIGKILL` once it has committed a chosen number of fills, after a random delay — counted
/// either from that commit or, to land inside a fill's transactions, from when the next fill's
/// chunks are queued.
///
/// Why `fork()` from a multithreaded test process is acceptable here: after `fork` only the
/// forking thread exists in the child, and any lock another thread held at that instant stays
/// locked forever. The child touches only memory it creates itself (its own event loop, store
/// and writer thread), glibc's `malloc` (which `fork` resets), and code paths the parent has
/// already run (``CrashSafetyTests`` warms them up first), so Swift's runtime has no lazy
/// metadata left to build under a lock. The one remaining risk — a global lock, such as the
/// store's open-directory registry, held by a parallel test at the fork — shows as a child that
/// reports nothing; the parent then kills it after a timeout and counts the cycle as stalled
/// rather than hanging. The child never returns into the test harness: it ends in `_exit` or
/// `SIGKILL`, with `alarm` as a backstop should the parent die.
struct ForkedWriter {
    struct Outcome {
        var commitsReported = 0
        var lastCommit: (key: String, version: UInt64)?
        var stalled = false
    }

    let configuration: CacheStoreConfiguration
    let firstVersion: UInt64

    /// Lets the child run a few operations, then kill itself between a fill's chunks and its
    /// commit (``CrashWorkload/killSelfInsideAFill(store:loop:version:)``).
    func runUntilItKillsItselfInsideAFill() -> Outcome {
        runAndKill(afterCommits: 1, duringNextFill: false, extraDelayMicroseconds: 0, selfKill: true)
    }

    func runAndKill(afterCommits target: Int, duringNextFill: Bool, extraDelayMicroseconds: UInt32,
                    selfKill: Bool = false) -> Outcome {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        let pid = fork()
        if pid == 0 {
            close(fds[0])
            runChild(report: fds[1], selfKill: selfKill)
        }
        close(fds[1])
        defer { close(fds[0]) }
        var outcome = Outcome()
        var pending = ""
        var fillsStarted = 0
        let consume = { (text: String) in
            pending += text
            while let newline = pending.firstIndex(of: "\n") {
                let fields = pending[..<newline].split(separator: " ")
                pending = String(pending[pending.index(after: newline)...])
                if fields == ["fill"] {
                    fillsStarted += 1
                } else {
                    outcome.commitsReported += 1
                    outcome.lastCommit = (String(fields[0]), UInt64(fields[1])!)
                }
            }
        }
        let deadline = NIODeadline.now() + .seconds(10)
        if selfKill {
            // The child ends itself; the pipe reaches end of file when it is gone.
            while let text = read(fds[0], until: deadline) { consume(text) }
        } else {
            while outcome.commitsReported < target, let text = read(fds[0], until: deadline) { consume(text) }
            let fillsBeforeKill = fillsStarted + 1
            while duringNextFill, outcome.commitsReported >= target, fillsStarted < fillsBeforeKill,
                  let text = read(fds[0], until: deadline) {
                consume(text)
            }
            usleep(extraDelayMicroseconds)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        while let text = read(fds[0], until: .now() + .seconds(5)) { consume(text) }
        // WIFSIGNALED && WTERMSIG == SIGKILL, spelled out: the C macros do not import.
        outcome.stalled = outcome.commitsReported < target || status & 0x7F != SIGKILL
        return outcome
    }

    private func runChild(report: Int32, selfKill: Bool) -> Never {
        alarm(60)
        let loop = TestEventLoop()
        guard let store = try? LMDBCacheStore(configuration: configuration) else { _exit(70) }
        CrashWorkload.run(store: store, loop: loop, firstVersion: firstVersion, steps: selfKill ? 20 : nil, report: report)
        if selfKill { CrashWorkload.killSelfInsideAFill(store: store, loop: loop, version: firstVersion + 1000) }
        _exit(0)
    }

    /// Whatever the pipe holds next, waiting until `deadline`; nil at end of file or timeout.
    private func read(_ descriptor: Int32, until deadline: NIODeadline) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = max(0, (deadline - .now()).nanoseconds / 1_000_000)
        guard poll(&poller, 1, Int32(milliseconds)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }
}
