#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the small text files the chain depends on: shared config files and token files.
enum CredentialsFile {
    enum Contents {
        case text(String)
        case missing
        /// The file exists but could not be read; `reason` is `strerror`'s text.
        case unreadable(reason: String)
    }

    /// Token and config files are a few KiB; anything larger is a wrong path.
    static let sizeLimit = 1 << 20

    /// The whole file as UTF-8 (invalid bytes replaced).
    static func contents(of path: String) -> Contents {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            return code == ENOENT || code == ENOTDIR ? .missing : .unreadable(reason: describe(code))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .unreadable(reason: describe(errno))
            }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > sizeLimit { return .unreadable(reason: "larger than \(sizeLimit) bytes") }
        }
        return .text(String(decoding: bytes, as: UTF8.self))
    }

    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
