#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOConcurrencyHelpers

/// The access log: one line per request, formatted on the caller's thread and written by a
/// thread of its own, so an event loop never waits for the disk.
///
/// `log(_:)` formats on the calling thread's stack and appends the line to a queue under a lock
/// held for one copy. The `s3edge-log` thread writes what is queued every `flushInterval`
/// (sooner once 64 KiB wait), in `write(2)` calls of whole lines. When more than
/// `maxPendingBytes` wait — the disk is stuck — new lines are dropped and counted, and one line
/// saying how many is written when writing resumes. `reopen()` (on SIGHUP, after logrotate
/// renamed the file) switches to a new file at the path: lines logged before the call end in the
/// old file, later ones in the new, none split between them. Write and reopen failures are
/// retried and logged through the `Logger` at most once per 10 s each.
public final class AccessLogWriter: Sendable {
    public enum Destination: Sendable, Hashable {
        /// The service's stderr (journald under systemd): never reopened.
        case stderr
        /// A file, opened `O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC` with mode 0640.
        case file(String)
    }

    public static let defaultMaxPendingBytes = 8 * 1024 * 1024
    public static let defaultFlushInterval = Duration.milliseconds(150)

    public let destination: Destination
    public let formatter: AccessLogFormatter
    private let queue: AccessLogQueue
    private let thread: NIOLockedValueBox<pthread_t?>

    /// Opens the destination (starting an empty W3C file with its header) and starts the writer
    /// thread. Throws if the file cannot be opened or written, with the reason and the fix.
    public init(
        destination: Destination,
        formatter: AccessLogFormatter,
        logger: Logger,
        maxPendingBytes: Int = AccessLogWriter.defaultMaxPendingBytes,
        flushInterval: Duration = AccessLogWriter.defaultFlushInterval
    ) throws(AccessLogOpenError) {
        self.destination = destination
        self.formatter = formatter
        let sink = try AccessLogSink(destination: destination, header: formatter.fileHeader)
        queue = AccessLogQueue(maxQueuedBytes: maxPendingBytes)
        let flusher = AccessLogFlusher(queue: queue, sink: sink, formatter: formatter, logger: logger,
                                       interval: flushInterval)
        let argument = Unmanaged.passRetained(flusher).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<AccessLogFlusher>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, argument)
        guard code == 0 else {
            Unmanaged<AccessLogFlusher>.fromOpaque(argument).release()
            sink.closeFile()
            throw AccessLogOpenError(path: sink.name, reason: "pthread_create: \(describeErrno(code))",
                                     fix: "the process is probably out of memory or threads")
        }
        thread = NIOLockedValueBox(handle)
    }

    /// Any thread: formats `record` on the calling thread's stack and queues its line. Never
    /// blocks on I/O.
    public func log(_ record: AccessLogRecord) {
        formatter.withLine(record) { queue.enqueue($0) }
    }

    /// Any thread (the SIGHUP handler): closes the file and opens the path again before the next
    /// line is written. Returns at once; stderr is left as it is.
    public func reopen() {
        queue.requestReopen()
    }

    /// Writes everything queued, closes the file and ends the thread; blocks until then (at
    /// service stop). Lines logged afterwards are dropped. Needed before the writer is let go:
    /// the thread keeps the file open until then.
    public func shutdown() {
        queue.requestStop()
        guard let handle = thread.withLockedValue({ handle in defer { handle = nil }; return handle }) else { return }
        pthread_join(handle, nil)
    }

    /// Lines dropped since the start: refused while more than `maxPendingBytes` waited, or
    /// logged after `shutdown()`.
    public var droppedLines: Int { queue.droppedLines }
}
