internal import COpenSSL

/// SHA-256 (FIPS 180-4), one shot, over OpenSSL's `EVP_Digest`.
///
/// Used for SigV4 payload and canonical-request hashes; callers get plain bytes and never see an
/// OpenSSL type.
public enum SHA256 {
    /// Length of a SHA-256 digest in bytes.
    public static let byteCount = 32

    /// The digest of `bytes`. Contiguous inputs (`[UInt8]`, `String.UTF8View`, slices) are hashed
    /// in place; anything else is copied once.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    /// The digest of the bytes in `buffer`.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { output in
            DigestInput.withBaseAddress(buffer) { base, count in
                EVP_Digest(base, count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        DigestInput.check(status == 1 && length == UInt32(byteCount), "EVP_Digest(SHA-256)")
        return digest
    }
}
