#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The access log's open file (or stderr) and the `write(2)` loop. Used by the writer thread
/// only, after `init` on the thread that makes the writer.
final class AccessLogSink {
    let destination: AccessLogWriter.Destination
    private var descriptor: Int32
    /// What a new or empty file starts with (the W3C directives).
    private let header: [UInt8]
    /// For a pipe or socket (stderr under systemd or a shell): the largest write the kernel keeps
    /// whole against other writers (`PIPE_BUF`); writes there end on line boundaries and stay
    /// within it, so the service's own log lines on stderr never land inside an access log line.
    /// `nil` for a regular file, which `O_APPEND` keeps whole at any size.
    private var wholeWriteLimit: Int?

    var name: String {
        switch destination {
        case .stderr: "stderr"
        case .file(let path): path
        }
    }

    /// Opens the destination and starts it with `header` if it is empty.
    init(destination: AccessLogWriter.Destination, header: [UInt8]) throws(AccessLogOpenError) {
        self.destination = destination
        self.header = header
        switch destination {
        case .stderr:
            descriptor = STDERR_FILENO
        case .file(let path):
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { throw AccessLogOpenError(path: path, openErrno: errno) }
        }
        if let failure = startIfEmpty() {
            if case .file = destination { close(descriptor) }
            throw failure
        }
    }

    /// Opens the path again (after logrotate renamed the file) and switches to it; the old
    /// descriptor is closed only once the new one is open, so a failure keeps the old file.
    /// Returns why it failed; stderr is never reopened.
    func reopen() -> AccessLogOpenError? {
        guard case .file(let path) = destination else { return nil }
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fresh >= 0 else { return AccessLogOpenError(path: path, openErrno: errno) }
        close(descriptor)
        descriptor = fresh
        return startIfEmpty()
    }

    func closeFile() {
        if case .file = destination { close(descriptor) }
    }

    /// Writes `bytes[start...]`, looping over partial writes and `EINTR`, waiting for a full
    /// pipe. Returns how far it got and, if it stopped early, the `errno` that stopped it;
    /// `giveUp` ends the wait on a pipe that stays full.
    func writeAll(_ bytes: [UInt8], from start: Int, giveUp: () -> Bool) -> (end: Int, failure: Int32?) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return (start, nil) }
            var offset = start
            while offset < buffer.count {
                let end = chunkEnd(buffer, from: offset)
                let count = write(descriptor, base + offset, end - offset)
                if count > 0 {
                    offset += count
                    continue
                }
                let code = count == 0 ? EIO : errno
                switch code {
                case EINTR:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    if giveUp() { return (offset, code) }
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 100)
                default:
                    return (offset, code)
                }
            }
            return (offset, nil)
        }
    }

    /// Where the write starting at `offset` ends: everything, or for a pipe the last line end
    /// within `wholeWriteLimit` (a single longer line goes whole, in one write).
    private func chunkEnd(_ buffer: UnsafeRawBufferPointer, from offset: Int) -> Int {
        guard let limit = wholeWriteLimit, buffer.count - offset > limit else { return buffer.count }
        if let newline = buffer[offset..<offset + limit].lastIndex(of: UInt8(ascii: "\n")) {
            return newline + 1
        }
        return buffer[(offset + limit)...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? buffer.count
    }

    /// Writes the header if the file is empty (a pipe or socket always counts as empty: it is a
    /// fresh stream). Returns why that failed.
    private func startIfEmpty() -> AccessLogOpenError? {
        var status = stat()
        let regular = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        wholeWriteLimit = regular ? nil : Int(PIPE_BUF)
        guard !header.isEmpty, !regular || status.st_size == 0,
              let code = writeAll(header, from: 0, giveUp: { true }).failure
        else { return nil }
        let fix = switch destination {
        case .stderr: "stderr is closed or not writable: start s3edge with stderr open (systemd does), or log to a file"
        case .file: "free space on its file system or fix the file's permissions"
        }
        return AccessLogOpenError(path: name, reason: "write: \(describeErrno(code))", fix: fix)
    }
}
