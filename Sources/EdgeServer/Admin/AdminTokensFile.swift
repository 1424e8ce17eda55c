import Glibc

/// The bytes and permission bits of the admin tokens file, both taken from one open descriptor
/// (so the mode checked is the mode of the file read).
struct AdminTokensFile {
    /// Why the file cannot be used; `message` names the cause and the fix.
    struct Failure: Error {
        var message: String
    }

    /// A tokens file is a few KiB; anything larger is a wrong path.
    static let sizeLimit = 1 << 20

    var contents: [UInt8]
    /// `st_mode`'s permission bits.
    var mode: mode_t

    static func read(path: String) throws(Failure) -> AdminTokensFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw openFailure(path, errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Failure(message: "cannot read the admin tokens file: \(describe(errno))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            throw Failure(message: "the admin tokens path is a directory: give the path of a file with one token per line")
        default:
            throw Failure(message: "the admin tokens path is not a regular file: give the path of a file with one token per line")
        }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw Failure(message: "cannot read the admin tokens file: \(describe(errno))")
            }
            contents += chunk[..<count]
            guard contents.count <= sizeLimit else {
                throw Failure(message: "the admin tokens file is larger than \(sizeLimit) bytes: is the path right?")
            }
        }
        return AdminTokensFile(contents: contents, mode: info.st_mode & 0o7777)
    }

    private static func openFailure(_ path: String, _ code: Int32) -> Failure {
        let fix = switch code {
        case ENOENT, ENOTDIR:
            "create it with one token per line: openssl rand -hex 32 > \(path) && chmod 600 \(path)"
        case EACCES:
            "make it readable by the user s3edge runs as (uid \(getuid())) and no one else: chown that user, then chmod 600 \(path)"
        default:
            "check the path"
        }
        return Failure(message: "cannot read the admin tokens file: \(describe(code)): \(fix)")
    }

    private static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
