#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore

/// The `s3edge-log` thread's loop: takes the queued lines, writes them, reopens when asked,
/// retries what failed, and says what it dropped. Everything here runs on that thread only.
final class AccessLogFlusher {
    private let queue: AccessLogQueue
    private let sink: AccessLogSink
    private let formatter: AccessLogFormatter
    private let logger: Logger
    private let intervalSeconds: Double
    private var writeFailures = RateLimitedReport()
    private var reopenFailures = RateLimitedReport()
    private var drops = RateLimitedReport()
    /// A reopen failed: the old file is still in use, and the reopen is tried again every round.
    private var reopenOwed = false
    /// A reopen was done ahead of its turn (the old file failed while one was waiting), so the
    /// queued request is already served.
    private var reopenedEarly = false

    init(queue: AccessLogQueue, sink: AccessLogSink, formatter: AccessLogFormatter, logger: Logger, interval: Duration) {
        self.queue = queue
        self.sink = sink
        self.formatter = formatter
        self.logger = logger
        let (seconds, attoseconds) = interval.components
        intervalSeconds = max(0.001, Double(seconds) + Double(attoseconds) / 1e18)
    }

    func run() {
        nameCurrentThread("s3edge-log")
        while true {
            var batch = queue.take(timeoutSeconds: intervalSeconds)
            for index in batch.segments.indices {
                if var lines = batch.segments[index].takeLines() {
                    let reopenInBatch = batch.segments[index...].contains { if case .reopen = $0 { true } else { false } }
                    deliver(lines, reopenInBatch: reopenInBatch)
                    queue.finished(&lines)
                } else if reopenedEarly {
                    reopenedEarly = false
                } else {
                    reopen()
                }
            }
            if batch.dropped > 0 {
                deliver(formatter.droppedNotice(count: batch.dropped, limit: queue.maxQueuedBytes))
                drops.report(to: logger, level: .warning,
                             "access log: dropped \(batch.dropped) lines because more than \(queue.maxQueuedBytes) bytes were waiting for \(sink.name), which is not keeping up (a slow or stuck disk, or a slow reader of stderr)")
            }
            if reopenOwed { reopen() }
            if batch.stop { break }
        }
        sink.closeFile()
    }

    /// Writes all of `bytes`, retrying failures every interval. Gives up only at shutdown (after
    /// a few more tries), so a full disk delays lines rather than losing them while the queue
    /// has room. If a reopen waits behind these lines (in this batch or the queue), a failing
    /// old file is left for the new one at once: logrotate may have moved it to free space.
    private func deliver(_ bytes: [UInt8], reopenInBatch: Bool = false) {
        var offset = 0
        var triesAfterStop = 0
        while true {
            let (end, failure) = sink.writeAll(bytes, from: offset, giveUp: { queue.stopping })
            offset = end
            guard let failure else { return }
            writeFailures.report(to: logger, level: .error,
                                 "access log: cannot write to \(sink.name) (\(describeErrno(failure))); the lines wait, up to \(queue.maxQueuedBytes) bytes, and the write is retried")
            if queue.stopping {
                triesAfterStop += 1
                if triesAfterStop > 3 {
                    let lost = bytes[offset...].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                    logger.error("access log: gave up writing \(lost) lines to \(sink.name) at shutdown (\(describeErrno(failure)))")
                    return
                }
            }
            if (reopenInBatch || queue.reopenRequested) && !reopenedEarly && reopen() {
                // The old file is failing and logrotate has moved it: the rest goes to the new
                // file, except the tail of a line already begun in the old one.
                reopenedEarly = true
                offset = skipToLineStart(bytes, from: offset)
                continue
            }
            sleep(seconds: intervalSeconds)
        }
    }

    /// Reopens the path; on failure keeps the old file, reports, and owes another try.
    @discardableResult
    private func reopen() -> Bool {
        guard let failure = sink.reopen() else {
            if reopenOwed {
                logger.notice("access log: reopened \(sink.name)")
            }
            reopenOwed = false
            return true
        }
        reopenOwed = true
        reopenFailures.report(to: logger, level: .error,
                              "access log: \(failure); still writing to the file opened before, and retrying")
        return false
    }

    /// `offset` if a line starts there, else just past the line's end (the part skipped is lost).
    private func skipToLineStart(_ bytes: [UInt8], from offset: Int) -> Int {
        guard offset > 0, offset < bytes.count, bytes[offset - 1] != UInt8(ascii: "\n") else { return offset }
        let end = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
        logger.warning("access log: lost the rest of one line begun in the file before \(sink.name) was reopened")
        return end
    }

    private func sleep(seconds: Double) {
        var remaining = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        while true {
            let request = remaining
            guard withUnsafePointer(to: request, { nanosleep($0, &remaining) }) != 0, errno == EINTR else { return }
        }
    }
}

/// Logs a recurring problem at most once per 10 s, saying how many repeats it held back.
struct RateLimitedReport {
    static let interval = TimeAmount.seconds(10)
    private var last: NIODeadline?
    private var heldBack = 0

    mutating func report(to logger: Logger, level: Logger.Level, _ message: @autoclosure () -> String) {
        let now = NIODeadline.now()
        if let last, now - last < Self.interval {
            heldBack += 1
            return
        }
        last = now
        let repeats = heldBack > 0 ? " (\(heldBack) more like this in the last 10 s)" : ""
        heldBack = 0
        logger.log(level: level, "\(message())\(repeats)")
    }
}

/// Names the calling thread for `top -H` (Linux keeps 15 bytes), through
/// `/proc/thread-self/comm`, as Swift's Glibc module hides `pthread_setname_np`.
private func nameCurrentThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    var bytes = Array(name.utf8.prefix(15))
    _ = write(descriptor, &bytes, bytes.count)
}
