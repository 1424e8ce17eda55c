#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The access log could not be opened at start-up: the file, the system's reason, and what the
/// operator can do about it.
public struct AccessLogOpenError: Error, Hashable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public let fix: String

    public var description: String {
        "cannot open the access log \(path) (\(reason)): \(fix)"
    }

    /// `open(2)` failed with `code`.
    init(path: String, openErrno code: Int32) {
        self.init(path: path, reason: "open: \(describeErrno(code))", fix: Self.fix(path: path, errno: code))
    }

    init(path: String, reason: String, fix: String) {
        self.path = path
        self.reason = reason
        self.fix = fix
    }

    private static func fix(path: String, errno code: Int32) -> String {
        let directory = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) } ?? "."
        let folder = directory.isEmpty ? "/" : directory
        switch code {
        case ENOENT:
            return "the directory \(folder) does not exist: create it, writable by the user s3edge runs as, or change access_log.path"
        case EACCES, EPERM:
            return "the user s3edge runs as (uid \(getuid())) may not create or write it: give that user write access to \(folder) (or to the file), or change access_log.path"
        case EISDIR:
            return "that is a directory: name a file in it, e.g. \(path)/access.log"
        case ENOTDIR:
            return "a part of the path is not a directory: fix access_log.path"
        case EROFS:
            return "the file system is read-only: choose a writable place (under systemd, also list it in ReadWritePaths=)"
        case ENOSPC, EDQUOT:
            return "the file system is full: free some space"
        default:
            return "check access_log.path and its directory"
        }
    }
}

/// `strerror`'s text for `code`.
func describeErrno(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
