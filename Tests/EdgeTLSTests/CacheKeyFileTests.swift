import EdgeTLS
import Foundation
import Glibc
import Testing

/// `CacheKeyFile.load`: the happy path, systemd's credential files, and each refusal's text.
@Suite struct CacheKeyFileTests {
    static let key: [UInt8] = Array(0..<32).map { UInt8($0 * 7 + 3) }

    /// A fresh directory with `name` holding `bytes` at `mode`; removed after `body`.
    static func withKeyFile<T>(
        _ bytes: [UInt8] = key, mode: mode_t = 0o400, _ body: (String) throws -> T
    ) throws -> T {
        let directory = NSTemporaryDirectory() + "s3edge-keyfile-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cache.key"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(chmod(path, mode) == 0)
        return try body(path)
    }

    static func refusal(_ path: String) -> String {
        do {
            _ = try CacheKeyFile.load(path: path)
            return "accepted"
        } catch {
            return error.description
        }
    }

    /// Writes a POSIX access ACL: owner r, `users` r, owning group `groupPermissions`, mask r.
    static func setACL(_ path: String, users: [UInt32], groupPermissions: UInt16 = 0) throws {
        func entry(_ tag: UInt16, _ permissions: UInt16, _ id: UInt32 = UInt32.max) -> [UInt8] {
            withUnsafeBytes(of: tag.littleEndian, Array.init) + withUnsafeBytes(of: permissions.littleEndian, Array.init)
                + withUnsafeBytes(of: id.littleEndian, Array.init)
        }
        var blob = withUnsafeBytes(of: UInt32(2).littleEndian, Array.init) + entry(0x01, 4)
        for user in users { blob += entry(0x02, 4, user) }
        blob += entry(0x04, groupPermissions) + entry(0x10, 4) + entry(0x20, 0)
        // <sys/xattr.h> is not in Swift's Glibc module: glibc's setxattr(2) wrapper by name.
        typealias SetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
        let symbol = try #require(dlsym(dlopen(nil, RTLD_NOW), "setxattr"))
        let setxattr = unsafeBitCast(symbol, to: SetXattr.self)
        let status = blob.withUnsafeBytes { setxattr(path, "system.posix_acl_access", $0.baseAddress, $0.count, 0) }
        try #require(status == 0, "setxattr: \(String(cString: strerror(errno)))")
    }

    @Test func readsThe32BytesIntoSecretBytes() throws {
        try Self.withKeyFile { path in
            let key = try CacheKeyFile.load(path: path)
            #expect(key.count == 32)
            #expect(key.withUnsafeBytes { Array($0) } == Self.key)
            #expect("\(key)" == "SecretBytes(32 bytes)")
        }
        try Self.withKeyFile(mode: 0o600) { path in
            let key = try CacheKeyFile.load(path: path)
            #expect(key.count == 32)
        }
    }

    /// systemd writes credentials 0400, owned by root, with an ACL entry for the service's user:
    /// `stat` then shows the ACL mask as group bits (0440).
    @Test func acceptsSystemdCredentialFilesWithTheirACL() throws {
        try Self.withKeyFile { path in
            try Self.setACL(path, users: [geteuid()])
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o440)
            #expect(Self.refusal(path) == "accepted")
        }
    }

    @Test func refusesFilesOthersCanRead() throws {
        try Self.withKeyFile(mode: 0o444) { path in
            #expect(Self.refusal(path) == "cache key file \(path) is readable by group or others (mode 444): the key "
                + "would be exposed to other users; chmod 400 \(path)")
        }
        try Self.withKeyFile(mode: 0o440) { path in
            #expect(Self.refusal(path).contains("is readable by group or others (mode 440)"))
        }
        try Self.withKeyFile { path in
            try Self.setACL(path, users: [geteuid()], groupPermissions: 4)
            #expect(Self.refusal(path).contains("is readable by group or others (mode 440)"))
        }
    }

    @Test func refusesAFileOwnedByAnotherUser() throws {
        try Self.withKeyFile { path in
            // Giving a file away needs root: the test fails (not skips) without it.
            try #require(chown(path, 4242, 4242) == 0, "chown: \(String(cString: strerror(errno)))")
            #expect(Self.refusal(path) == "cache key file \(path) is owned by uid 4242, neither this service's user "
                + "(uid 0) nor root: that user could read or replace the key; chown it to the service's user and "
                + "chmod 400 \(path)")
        }
    }

    @Test func refusesAnyOtherSizeSayingHowToMakeAKey() throws {
        let make = "make one with: head -c 32 /dev/urandom > cache.key; chmod 400 cache.key (or keep it encrypted "
            + "with systemd-creds encrypt and pass it with LoadCredentialEncrypted=)"
        try Self.withKeyFile(Array(Self.key.prefix(16))) { path in
            #expect(Self.refusal(path) == "cache key file \(path) holds 16 bytes; it must hold exactly 32 raw bytes: \(make)")
        }
        try Self.withKeyFile([]) { path in
            #expect(Self.refusal(path).contains("holds 0 bytes"))
        }
        try Self.withKeyFile(Array(Data(Self.key).base64EncodedString().utf8) + [0x0A]) { path in
            #expect(Self.refusal(path) == "cache key file \(path) holds 45 bytes, which looks like base64 or hex text: "
                + "it must hold the 32 raw bytes of the key (base64 -d or xxd -r -p turns the text into them); \(make)")
        }
    }

    @Test func refusesMissingFilesAndDirectories() throws {
        try Self.withKeyFile { path in
            let missing = path + ".missing"
            #expect(Self.refusal(missing) == "cache key file \(missing) does not exist: make one with: head -c 32 "
                + "/dev/urandom > cache.key; chmod 400 cache.key (or keep it encrypted with systemd-creds encrypt and "
                + "pass it with LoadCredentialEncrypted=), or fix cache.encryption.key_file")
            let directory = (path as NSString).deletingLastPathComponent
            #expect(Self.refusal(directory).hasPrefix("cache key file \(directory) is not a regular file"))
            let fifo = directory + "/fifo.key"
            #expect(mkfifo(fifo, 0o400) == 0)
            #expect(Self.refusal(fifo).hasPrefix("cache key file \(fifo) is not a regular file"))
        }
    }
}
