import EdgeServer
import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers
import Testing

/// The writer against real files (and a FIFO standing in for a stuck disk or a slow stderr).
@Suite struct AccessLogWriterTests {
    /// A fresh directory, removed at the end of the test.
    final class Scratch {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("accesslog-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func file(_ name: String) -> String { path + "/" + name }
    }

    /// Keeps every log message, for the rate-limited reports.
    struct RecordingHandler: LogHandler {
        let messages: NIOLockedValueBox<[(Logger.Level, String)]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        /// The writer sets no metadata.
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { nil } set {} }

        func log(event: LogEvent) {
            messages.withLockedValue { $0.append((event.level, event.message.description)) }
        }
    }

    static func record(_ id: String) -> AccessLogRecord {
        var record = AccessLogSamples.full
        record.requestID = id
        return record
    }

    static func lines(of path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "the file ends with a whole line")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// The request ids of the lines that are not directives, each line checked to be whole.
    static func requestIDs(_ lines: [String]) -> [String] {
        lines.filter { !$0.hasPrefix("#") }.map { line in
            let fields = AccessLogSamples.fields(line)
            #expect(fields.count == 34, "a whole line: \(line)")
            return fields.count > 14 ? fields[14] : ""
        }
    }

    static let header = String(decoding: AccessLogFormatter(format: .w3c).fileHeader, as: UTF8.self)
        .split(separator: "\n").map(String.init)

    @Test func linesFromFourThreadsAreAllWrittenWhole() throws {
        let scratch = try Scratch()
        let path = scratch.file("access.log")
        // The limit is raised so that a slow test machine measures completeness, not dropping.
        let writer = try AccessLogWriter(destination: .file(path), formatter: AccessLogFormatter(format: .w3c),
                                         logger: Logger(label: "test"), maxPendingBytes: 256 << 20)
        let threads = 4
        let perThread = 25_000
        let done = DispatchSemaphore(value: 0)
        for thread in 0..<threads {
            Thread {
                for index in 0..<perThread { writer.log(Self.record("t\(thread)-\(index)")) }
                done.signal()
            }.start()
        }
        for _ in 0..<threads { done.wait() }
        writer.shutdown()

        #expect(writer.droppedLines == 0)
        let lines = try Self.lines(of: path)
        #expect(Array(lines.prefix(2)) == Self.header)
        let ids = Self.requestIDs(lines)
        #expect(ids.count == threads * perThread)
        #expect(Set(ids) == Set((0..<threads).flatMap { thread in (0..<perThread).map { "t\(thread)-\($0)" } }))
        // Each thread's lines keep their order.
        for thread in 0..<threads {
            let own = ids.filter { $0.hasPrefix("t\(thread)-") }
            #expect(own == (0..<perThread).map { "t\(thread)-\($0)" })
        }
    }

    @Test func reopenAfterRenameSplitsTheLinesBetweenTheFiles() throws {
        let scratch = try Scratch()
        let path = scratch.file("access.log")
        let writer = try AccessLogWriter(destination: .file(path), formatter: AccessLogFormatter(format: .w3c),
                                         logger: Logger(label: "test"))
        for index in 0..<200 { writer.log(Self.record("before-\(index)")) }
        // logrotate: rename, then SIGHUP.
        #expect(rename(path, path + ".1") == 0)
        writer.reopen()
        for index in 0..<200 { writer.log(Self.record("after-\(index)")) }
        writer.shutdown()

        let old = try Self.lines(of: path + ".1")
        let new = try Self.lines(of: path)
        #expect(Array(old.prefix(2)) == Self.header)
        #expect(Self.requestIDs(old) == (0..<200).map { "before-\($0)" })
        #expect(Array(new.prefix(2)) == Self.header, "the new file starts with its own header")
        #expect(Self.requestIDs(new) == (0..<200).map { "after-\($0)" })
    }

    @Test func anExistingFileIsAppendedToWithoutAnotherHeader() throws {
        let scratch = try Scratch()
        let path = scratch.file("access.log")
        for round in 0..<2 {
            let writer = try AccessLogWriter(destination: .file(path), formatter: AccessLogFormatter(format: .w3c),
                                             logger: Logger(label: "test"))
            writer.log(Self.record("round-\(round)"))
            writer.shutdown()
        }
        let lines = try Self.lines(of: path)
        #expect(lines.filter { $0.hasPrefix("#Version") }.count == 1)
        #expect(Self.requestIDs(lines) == ["round-0", "round-1"])
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o640 & ~currentUmask())
    }

    @Test func shutdownWritesWhatIsStillQueued() throws {
        let scratch = try Scratch()
        let path = scratch.file("access.json")
        // A minute between flushes: nothing is written before shutdown unless shutdown writes it.
        let writer = try AccessLogWriter(destination: .file(path), formatter: AccessLogFormatter(format: .json),
                                         logger: Logger(label: "test"), flushInterval: .seconds(60))
        for index in 0..<10 { writer.log(Self.record("queued-\(index)")) }
        #expect(try Self.lines(of: path).isEmpty, "JSON files have no header, and nothing was flushed yet")
        writer.shutdown()
        let lines = try Self.lines(of: path)
        #expect(lines.count == 10)
        let ids = try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object["x-edge-request-id"] as? String
        }
        #expect(ids == (0..<10).map { "queued-\($0)" })
        writer.log(Self.record("late"))
        #expect(writer.droppedLines == 1, "a line logged after shutdown is dropped and counted")
    }

    @Test func openErrorsNameThePathTheCauseAndTheFix() throws {
        let scratch = try Scratch()
        let missing = scratch.file("no-such-directory/access.log")
        do {
            _ = try AccessLogWriter(destination: .file(missing), formatter: AccessLogFormatter(format: .w3c),
                                    logger: Logger(label: "test"))
            Issue.record("opening \(missing) should fail")
        } catch {
            #expect(error.path == missing)
            #expect(error.description == "cannot open the access log \(missing) (open: No such file or directory): "
                + "the directory \(scratch.path)/no-such-directory does not exist: create it, writable by the user "
                + "s3edge runs as, or change access_log.path")
        }
        do {
            _ = try AccessLogWriter(destination: .file(scratch.path), formatter: AccessLogFormatter(format: .w3c),
                                    logger: Logger(label: "test"))
            Issue.record("opening a directory should fail")
        } catch {
            #expect(error.description == "cannot open the access log \(scratch.path) (open: Is a directory): "
                + "that is a directory: name a file in it, e.g. \(scratch.path)/access.log")
        }
    }

    @Test func aFullDiskAtStartIsAnOpenError() {
        // /dev/full takes the open and refuses every write with ENOSPC.
        do {
            _ = try AccessLogWriter(destination: .file("/dev/full"), formatter: AccessLogFormatter(format: .w3c),
                                    logger: Logger(label: "test"))
            Issue.record("the W3C header cannot be written to /dev/full")
        } catch {
            #expect(error.description == "cannot open the access log /dev/full (write: No space left on device): "
                + "free space on its file system or fix the file's permissions")
        }
    }

    @Test func failingWritesAreReportedOnceRetriedAndGivenUpOnlyAtShutdown() throws {
        let messages = NIOLockedValueBox<[(Logger.Level, String)]>([])
        let logger = Logger(label: "test") { _ in RecordingHandler(messages: messages) }
        // JSON has no header, so the open succeeds and the failures come later.
        let writer = try AccessLogWriter(destination: .file("/dev/full"), formatter: AccessLogFormatter(format: .json),
                                         logger: logger, flushInterval: .milliseconds(10))
        for index in 0..<3 { writer.log(Self.record("full-\(index)")) }
        usleep(200_000)
        let reports = messages.withLockedValue { $0 }
        #expect(reports.map(\.1) == ["access log: cannot write to /dev/full (No space left on device); the lines "
            + "wait, up to 8388608 bytes, and the write is retried"])
        writer.shutdown()
        #expect(messages.withLockedValue { $0 }.last?.1 == "access log: gave up writing 3 lines to /dev/full at shutdown (No space left on device)")
    }

    @Test func linesOverThePendingLimitAreDroppedCountedAndReported() throws {
        let scratch = try Scratch()
        let path = scratch.file("access.log")
        let formatter = AccessLogFormatter(format: .w3c)
        let lineSize = formatter.line(Self.record("drop-0")).utf8.count
        // Room for three lines; the writer sleeps for a minute, so lines four to ten cannot fit.
        let limit = lineSize * 3 + 10
        let writer = try AccessLogWriter(destination: .file(path), formatter: formatter, logger: Logger(label: "test"),
                                         maxPendingBytes: limit, flushInterval: .seconds(60))
        for index in 0..<10 { writer.log(Self.record("drop-\(index)")) }
        #expect(writer.droppedLines == 7)
        writer.shutdown()

        let lines = try Self.lines(of: path)
        #expect(Self.requestIDs(lines) == ["drop-0", "drop-1", "drop-2"])
        #expect(lines.last == "#Remark: s3edge dropped 7 access log lines: more than \(limit) bytes were waiting to be written")
    }

    @Test func aStuckReaderCostsDroppedLinesNotMemoryAndWritingResumes() throws {
        let scratch = try Scratch()
        let fifo = scratch.file("stuck")
        #expect(mkfifo(fifo, 0o600) == 0)
        // Our end first, so the writer's open does not wait for a reader.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let messages = NIOLockedValueBox<[(Logger.Level, String)]>([])
        let logger = Logger(label: "test") { _ in RecordingHandler(messages: messages) }
        let writer = try AccessLogWriter(destination: .file(fifo), formatter: AccessLogFormatter(format: .w3c),
                                         logger: logger, maxPendingBytes: 16 * 1024, flushInterval: .milliseconds(10))
        // ~370 KB into a 64 KiB pipe that nobody reads, with 16 KiB allowed to wait.
        let total = 1000
        for index in 0..<total { writer.log(Self.record("stuck-\(index)")) }
        let dropped = writer.droppedLines
        #expect(dropped > 0)

        // The reader wakes up: everything the writer kept arrives, then end of file at shutdown.
        let received = NIOLockedValueBox<[UInt8]>([])
        let drained = DispatchSemaphore(value: 0)
        Thread {
            var poller = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(reader, &buffer, buffer.count)
                if count > 0 {
                    received.withLockedValue { $0 += buffer[0..<count] }
                } else if count == 0 {
                    break
                } else {
                    _ = poll(&poller, 1, 100)
                }
            }
            drained.signal()
        }.start()
        writer.shutdown()
        drained.wait()

        let lines = String(decoding: received.withLockedValue { $0 }, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(2)) == Self.header, "a pipe is a fresh stream: it gets the header")
        let ids = Self.requestIDs(lines)
        // Nothing is lost without being counted, and what arrives is in order.
        #expect(ids.count + dropped == total)
        #expect(ids == ids.sorted { Int($0.dropFirst(6))! < Int($1.dropFirst(6))! })
        let remarks = lines.filter { $0.hasPrefix("#Remark: s3edge dropped ") }
        let reported = remarks.compactMap { Int($0.split(separator: " ")[3]) }.reduce(0, +)
        #expect(reported == dropped)
        #expect(messages.withLockedValue { $0 }.contains { $0.0 == .warning && $0.1.contains("dropped") })
    }

    @Test func aFailedReopenKeepsTheOldFileReportsOnceAndRetries() throws {
        let scratch = try Scratch()
        let directory = scratch.file("logs")
        #expect(mkdir(directory, 0o755) == 0)
        let path = directory + "/access.log"
        let messages = NIOLockedValueBox<[(Logger.Level, String)]>([])
        let logger = Logger(label: "test") { _ in RecordingHandler(messages: messages) }
        let writer = try AccessLogWriter(destination: .file(path), formatter: AccessLogFormatter(format: .w3c),
                                         logger: logger, flushInterval: .milliseconds(10))
        writer.log(Self.record("first"))
        // The whole directory moves away: the path cannot be opened again.
        #expect(rename(directory, directory + ".old") == 0)
        writer.reopen()
        writer.log(Self.record("while-failing"))
        // Some forty retries, one report.
        usleep(400_000)
        let errors = messages.withLockedValue { $0 }.filter { $0.0 == .error }.map(\.1)
        #expect(errors == ["access log: cannot open the access log \(path) (open: No such file or directory): "
            + "the directory \(directory) does not exist: create it, writable by the user s3edge runs as, or "
            + "change access_log.path; still writing to the file opened before, and retrying"])

        #expect(mkdir(directory, 0o755) == 0)
        let deadline = Date().addingTimeInterval(10)
        while access(path, F_OK) != 0 && Date() < deadline { usleep(10_000) }
        writer.log(Self.record("after"))
        writer.shutdown()

        #expect(Self.requestIDs(try Self.lines(of: directory + ".old/access.log")) == ["first", "while-failing"])
        let new = try Self.lines(of: path)
        #expect(Array(new.prefix(2)) == Self.header)
        #expect(Self.requestIDs(new) == ["after"])
        #expect(messages.withLockedValue { $0 }.contains { $0.0 == .notice && $0.1 == "access log: reopened \(path)" })
    }

    /// Rough cost of `log(_:)` (format + enqueue) on the calling thread; printed, not asserted.
    /// Measured on the development VM (2 cores shared with other builds, load 3–6):
    /// - this test, debug build: ~28–50 µs per call (unoptimised generics and bounds checks);
    /// - the same formatter sources built `swiftc -O -wmo` in a small harness, with the enqueue
    ///   reproduced as a mutex + append: W3C (402-byte line) ~0.65–1.1 µs, JSON (983 bytes)
    ///   ~1.0–1.3 µs per call, of which the enqueue is ~0.05–0.1 µs.
    @Test func measureLogCallCost() throws {
        let scratch = try Scratch()
        let writer = try AccessLogWriter(destination: .file(scratch.file("speed.log")),
                                         formatter: AccessLogFormatter(format: .w3c), logger: Logger(label: "test"),
                                         maxPendingBytes: 256 << 20)
        let record = AccessLogSamples.full
        let count = 50_000
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { writer.log(record) }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        writer.shutdown()
        print("access log: \(elapsed / UInt64(count)) ns per log() call (W3C, full record)")
        #expect(writer.droppedLines == 0)
    }
}

/// The process's umask, read without changing it (tests run in parallel).
private func currentUmask() -> mode_t {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") } ?? "Umask:\t0022"
    return mode_t(line.split(separator: "\t").last.flatMap { UInt32($0, radix: 8) } ?? 0o022)
}
