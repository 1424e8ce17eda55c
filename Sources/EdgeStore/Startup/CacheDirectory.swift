#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The cache directory's files: LMDB's two, and the store's two markers.
///
/// - `s3edge-checking` exists while start-up opens the file and checks the entries. LMDB does
///   not checksum its pages, so a corrupt branch page can crash the process rather than return
///   an error; finding this marker at the next start means the previous check never finished,
///   and the file is rebuilt instead of crashing again — never a crash loop. (A start-up
///   stopped by a signal during the check costs the cache too: rare, and the safe side.)
/// - `s3edge-unsynced-session` holds the kernel's boot id while a `NOSYNC` store is open
///   (see ``Durability/survivesProcessCrash``).
struct CacheDirectory: Sendable {
    let path: String

    var dataFile: String { path + "/data.mdb" }
    private var lockFile: String { path + "/lock.mdb" }
    private var checkingMarker: String { path + "/s3edge-checking" }
    private var sessionMarker: String { path + "/s3edge-unsynced-session" }

    /// Creates the directory if it is missing (not its parents).
    init(path: String) throws(CacheStoreOpenError) {
        self.path = path
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw CacheStoreOpenError(path: path, reason: "mkdir: \(String(cString: strerror(errno)))",
                                      fix: "create the parent directory or fix its permissions")
        }
    }

    /// Why the previous run's files cannot be trusted, if they cannot.
    func previousRunProblem(bootID: String) -> String? {
        if exists(checkingMarker) {
            return "the previous start-up stopped while checking it"
        }
        if let previous = contents(of: sessionMarker), previous != bootID {
            return "the system restarted while it held unsynced writes"
        }
        return nil
    }

    func beginChecking() throws(CacheStoreOpenError) { try writeDurably(checkingMarker, contents: "") }
    func endChecking() { removeDurably(checkingMarker) }

    func beginUnsyncedSession(bootID: String) throws(CacheStoreOpenError) {
        try writeDurably(sessionMarker, contents: bootID)
    }

    func endUnsyncedSession() { removeDurably(sessionMarker) }

    /// Deletes the database and both markers, for a rebuild.
    func removeAll() {
        for file in [dataFile, lockFile, checkingMarker, sessionMarker] { unlink(file) }
        syncDirectory()
    }

    private func exists(_ file: String) -> Bool {
        access(file, F_OK) == 0
    }

    private func contents(of file: String) -> String? {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = read(descriptor, &bytes, bytes.count)
        return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
    }

    /// Creates `file` with `contents` and `fsync`s it and the directory, so the marker is on
    /// disk before anything it guards happens.
    private func writeDurably(_ file: String, contents: String) throws(CacheStoreOpenError) {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CacheStoreOpenError(path: path, reason: "open \(file): \(String(cString: strerror(errno)))",
                                      fix: "the service user needs write access to the directory")
        }
        let bytes = Array(contents.utf8)
        let written = write(descriptor, bytes, bytes.count)
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else {
            throw CacheStoreOpenError(path: path, reason: "write \(file): \(String(cString: strerror(errno)))",
                                      fix: "check the disk")
        }
        syncDirectory()
    }

    private func removeDurably(_ file: String) {
        unlink(file)
        syncDirectory()
    }

    private func syncDirectory() {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// The running kernel's boot id: changes on every boot, so a marker from another boot means
/// the system (not just the process) went down.
func currentBootID() -> String {
    let descriptor = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return "unknown" }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: 64)
    let count = read(descriptor, &bytes, bytes.count)
    return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self).trimmingTrailingNewline
}

extension String {
    fileprivate var trimmingTrailingNewline: String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
