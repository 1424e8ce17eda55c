internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Key material that must never reach a disk: the cache's data keys, decrypted by KMS or read
/// from a key file.
///
/// The bytes live in their own page-aligned allocation, locked against swapping (`mlock`) where
/// the system allows it and left out of core dumps (`MADV_DONTDUMP`); they are overwritten with
/// `OPENSSL_cleanse` when the last reference goes. Nothing prints them: `description` shows only
/// the length. Copies made by callers (arrays, strings) are theirs to wipe: take the bytes with
/// ``withUnsafeBytes(_:)`` and hand the pointer straight to OpenSSL.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible {
    public let count: Int
    private let base: UnsafeMutableRawPointer
    private let allocation: Int
    /// Whether `mlock` succeeded (it can fail under `RLIMIT_MEMLOCK`; the bytes are still wiped).
    public let isLocked: Bool

    /// `count` zero bytes.
    public init(count: Int) {
        precondition(count > 0, "a secret of \(count) bytes")
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        allocation = (count + page - 1) / page * page
        base = UnsafeMutableRawPointer.allocate(byteCount: allocation, alignment: page)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: allocation)
        isLocked = mlock(base, allocation) == 0
        _ = madvise(base, allocation, MADV_DONTDUMP)
        self.count = count
    }

    /// A copy of `bytes`; the caller wipes its own copy.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        base.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    /// `count` bytes from OpenSSL's CSPRNG (`RAND_bytes`).
    public static func random(count: Int) -> SecretBytes {
        let secret = SecretBytes(count: count)
        let status = RAND_bytes(secret.base.assumingMemoryBound(to: UInt8.self), Int32(count))
        precondition(status == 1, "RAND_bytes failed: the system's random source is unusable")
        return secret
    }

    deinit {
        OPENSSL_cleanse(base, allocation)
        if isLocked { munlock(base, allocation) }
        base.deallocate()
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// Overwrites the bytes with zeros now (at shutdown, before the process's memory is released);
    /// the object must not be used for keying afterwards.
    public func wipe() {
        OPENSSL_cleanse(base, allocation)
    }

    /// Constant-time comparison (`CRYPTO_memcmp`).
    public func isEqual(to other: SecretBytes) -> Bool {
        count == other.count && CRYPTO_memcmp(base, other.base, count) == 0
    }

    public var description: String { "SecretBytes(\(count) bytes)" }

    /// Overwrites `bytes` with zeros in a way the optimizer keeps (`OPENSSL_cleanse`): for the
    /// caller's temporary copies (a decoded HTTP body, a file's contents).
    public static func wipe(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let address = bytes.baseAddress, bytes.count > 0 else { return }
        OPENSSL_cleanse(address, bytes.count)
    }

    /// ``wipe(_:)`` for an array the caller owns (its storage, when uniquely referenced).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }
}
