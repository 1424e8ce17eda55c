#if canImport(Glibc)
import Glibc
#endif

/// The cache key of `cache.encryption.mode: key_file`: exactly 32 raw bytes in a file only the
/// service can read, e.g. a systemd credential (`LoadCredential=` or `LoadCredentialEncrypted=`,
/// read from /run/credentials/s3edge.service/).
///
/// The bytes go from the file straight into `SecretBytes` (one `read` into locked memory, no
/// buffer in between). Refused, with the cause and the fix: a missing or unreadable file, one that
/// is not a regular file, one whose size is not 32 bytes, one owned by another user than the
/// service's or root, and one that group or others can read. systemd's credential files are
/// accepted: they are mode 0400, and either owned by the service's user (ramfs) or by root with
/// an ACL entry that lets exactly the service's user read them (tmpfs), which `stat` shows as 0440.
public enum CacheKeyFile {
    public static let keyCount = 32

    public static func load(path: String) throws(CacheKeyFileError) -> SecretBytes {
        func refuse(_ problem: CacheKeyFileError.Problem) -> CacheKeyFileError {
            CacheKeyFileError(path: path, problem: problem)
        }
        // O_NONBLOCK: a FIFO put in the key's place must not hang the start.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw refuse(.cannotOpen(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refuse(.cannotOpen(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse(.notRegularFile) }
        guard info.st_uid == geteuid() || info.st_uid == 0 else { throw refuse(.foreignOwner(uid: info.st_uid)) }
        if let problem = accessProblem(fd: fd, mode: info.st_mode) { throw refuse(problem) }
        guard info.st_size == keyCount else { throw refuse(.wrongSize(Int(info.st_size))) }

        let key = SecretBytes(count: keyCount)
        var filled = 0
        while filled < keyCount {
            let count = key.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, keyCount - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw refuse(count == 0 ? .wrongSize(filled) : .cannotOpen(errno: errno)) }
            filled += count
        }
        // The file may have grown since fstat: a key file holds the key and nothing else.
        var extra: UInt8 = 0
        guard read(fd, &extra, 1) == 0 else { throw refuse(.wrongSize(keyCount + 1)) }
        return key
    }

    /// Why group or others may read the file, or nil. With a POSIX ACL the mode's group bits are
    /// the ACL mask, so the entries themselves are checked: the owning group and named groups
    /// must have nothing, named users must be this process's user (any, when run as root).
    static func accessProblem(fd: Int32, mode: mode_t) -> CacheKeyFileError.Problem? {
        let permissions = mode & 0o777
        if permissions & 0o007 != 0 { return .readableByOthers(mode: permissions) }
        guard permissions & 0o070 != 0 else { return nil }
        guard let entries = aclEntries(fd: fd) else { return .readableByOthers(mode: permissions) }
        let mask = entries.first { $0.tag == aclMask }?.permissions ?? 0o7
        for entry in entries where entry.permissions & mask != 0 {
            if entry.tag == aclGroupObject || entry.tag == aclGroup { return .readableByOthers(mode: permissions) }
            // Root (check-config) cannot tell which user the service runs as: systemd names it here.
            if entry.tag == aclUser && entry.id != geteuid() && geteuid() != 0 { return .readableByUser(uid: entry.id) }
        }
        return nil
    }

    private static let aclUser: UInt16 = 0x02, aclGroupObject: UInt16 = 0x04, aclGroup: UInt16 = 0x08
    private static let aclMask: UInt16 = 0x10

    /// The entries of the file's access ACL (Linux's `system.posix_acl_access` layout: a
    /// version word, then tag/permissions/id records), or nil when it has none.
    private static func aclEntries(fd: Int32) -> [(tag: UInt16, permissions: UInt16, id: UInt32)]? {
        var buffer = [UInt8](repeating: 0, count: 4 + 8 * 64)
        guard let fgetxattr = fgetxattrFunction else { return nil }
        let length = buffer.withUnsafeMutableBytes { fgetxattr(fd, "system.posix_acl_access", $0.baseAddress, $0.count) }
        guard length >= 4, (length - 4) % 8 == 0 else { return nil }
        func word16(_ at: Int) -> UInt16 { UInt16(buffer[at]) | UInt16(buffer[at + 1]) << 8 }
        func word32(_ at: Int) -> UInt32 { UInt32(word16(at)) | UInt32(word16(at + 2)) << 16 }
        guard word32(0) == 2 else { return nil }
        return stride(from: 4, to: length, by: 8).map { (word16($0), word16($0 + 2), word32($0 + 4)) }
    }
}

/// glibc's `fgetxattr(2)` wrapper, looked up at run time: `<sys/xattr.h>` is not part of Swift's
/// Glibc module. nil if libc lacks it, and then every file with group bits is refused.
private let fgetxattrFunction: (@convention(c) (Int32, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int)? = {
    guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "fgetxattr") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int).self)
}()

/// Why the cache key file cannot be used; `description` names the cause and the fix.
public struct CacheKeyFileError: Error, Sendable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case cannotOpen(errno: Int32)
        case notRegularFile
        case wrongSize(Int)
        /// Group or other permission bits (or ACL entries) allow reading; `mode` is the file's.
        case readableByOthers(mode: mode_t)
        /// An ACL entry lets another user read it.
        case readableByUser(uid: UInt32)
        case foreignOwner(uid: uid_t)
    }

    public var path: String
    public var problem: Problem

    static let create = "make one with: head -c 32 /dev/urandom > cache.key; chmod 400 cache.key "
        + "(or keep it encrypted with systemd-creds encrypt and pass it with LoadCredentialEncrypted=)"

    public var description: String {
        let subject = "cache key file \(path)"
        switch problem {
        case .cannotOpen(let code) where code == ENOENT:
            return "\(subject) does not exist: \(Self.create), or fix cache.encryption.key_file"
        case .cannotOpen(let code) where code == EACCES:
            return "\(subject) cannot be read by uid \(geteuid()): make it readable by the service's user only "
                + "(chown it to that user and chmod 400, or pass it with systemd's LoadCredential=)"
        case .cannotOpen(let code):
            return "\(subject) cannot be read: \(String(cString: strerror(code))); check the path and its permissions"
        case .notRegularFile:
            return "\(subject) is not a regular file: give the file holding the 32-byte key; \(Self.create)"
        case .wrongSize(let size) where [44, 45, 64, 65].contains(size):
            return "\(subject) holds \(size) bytes, which looks like base64 or hex text: it must hold the 32 raw "
                + "bytes of the key (base64 -d or xxd -r -p turns the text into them); \(Self.create)"
        case .wrongSize(let size):
            return "\(subject) holds \(size) bytes; it must hold exactly 32 raw bytes: \(Self.create)"
        case .readableByOthers(let mode):
            return "\(subject) is readable by group or others (mode \(String(mode, radix: 8))): the key would be "
                + "exposed to other users; chmod 400 \(path)"
        case .readableByUser(let uid):
            return "\(subject) has an ACL entry that lets uid \(uid) read it: the key would be exposed to that user; "
                + "setfacl -b \(path); chmod 400 \(path)"
        case .foreignOwner(let uid):
            return "\(subject) is owned by uid \(uid), neither this service's user (uid \(geteuid())) nor root: "
                + "that user could read or replace the key; chown it to the service's user and chmod 400 \(path)"
        }
    }
}
