internal import COpenSSL

/// HMAC-SHA256 (RFC 2104, vectors in RFC 4231), one shot, over OpenSSL's `HMAC()`.
///
/// SigV4 derives its signing key and its signature with this; both key and message are plain bytes.
public enum HMACSHA256 {
    /// Length of an HMAC-SHA256 tag in bytes.
    public static let byteCount = 32

    /// The authentication code of `message` under `key`. Keys of any length are accepted (longer
    /// than the 64-byte block size they are hashed first, as RFC 2104 says).
    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        withContiguousBytes(key) { keyBuffer in
            withContiguousBytes(message) { messageBuffer in
                authenticationCode(key: keyBuffer, message: messageBuffer)
            }
        }
    }

    /// The authentication code of the bytes in `message` under the bytes in `key`.
    public static func authenticationCode(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> [UInt8] {
        guard let keyLength = Int32(exactly: key.count) else {
            // HMAC() takes an int key length; a 2 GiB key is a caller bug, not a runtime condition.
            preconditionFailure("HMAC-SHA256 key of \(key.count) bytes exceeds OpenSSL's int length")
        }
        var tag = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let result = tag.withUnsafeMutableBufferPointer { output in
            DigestInput.withBaseAddress(key) { keyBase, _ in
                DigestInput.withBaseAddress(message) { messageBase, messageCount in
                    HMAC(
                        EVP_sha256(), keyBase, keyLength,
                        messageBase.assumingMemoryBound(to: UInt8.self), messageCount,
                        output.baseAddress, &length
                    )
                }
            }
        }
        DigestInput.check(result != nil && length == UInt32(byteCount), "HMAC(SHA-256)")
        return tag
    }

    private static func withContiguousBytes<R>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes(body)
    }
}
