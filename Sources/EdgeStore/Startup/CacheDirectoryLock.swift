#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOConcurrencyHelpers

/// Exclusive use of a cache directory: by one process (a POSIX record lock on
/// `s3edge.lock`, which a forked child does not inherit and which the kernel drops when the
/// process dies) and by one store within the process (LMDB forbids opening an environment
/// twice in one process, and two writers would each count only their own bytes). Released in
/// `deinit`, which the environment that holds it reaches only after `mdb_env_close`.
final class CacheDirectoryLock: Sendable {
    private static let openInProcess = NIOLockedValueBox<Set<String>>([])

    private let descriptor: Int32
    private let key: String

    init(_ directory: CacheDirectory) throws(CacheStoreOpenError) {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let key = realpath(directory.path, &resolved) != nil
            ? String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : directory.path
        self.key = key
        let inserted = Self.openInProcess.withLockedValue { $0.insert(key).inserted }
        guard inserted else {
            throw CacheStoreOpenError(path: directory.path, reason: "this process already has it open",
                                      fix: "close the other store first; one store per directory")
        }
        let descriptor = open(directory.path + "/s3edge.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        guard descriptor >= 0, fcntl(descriptor, F_SETLK, &lock) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            Self.openInProcess.withLockedValue { _ = $0.remove(key) }
            throw CacheStoreOpenError(path: directory.path, reason: "lock s3edge.lock: \(reason)",
                                      fix: "another s3edge process uses this cache directory; give each its own")
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
        Self.openInProcess.withLockedValue { _ = $0.remove(key) }
    }
}
