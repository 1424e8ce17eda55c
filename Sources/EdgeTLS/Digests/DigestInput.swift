internal import COpenSSL

/// Pointer plumbing shared by the digest one-shots.
enum DigestInput {
    /// Calls `body` with the buffer's base address and count. An empty buffer may have no base
    /// address; OpenSSL then gets a readable stand-in byte instead of NULL, because its HMAC code
    /// gives a NULL key a meaning of its own (`HMAC_Init_ex`: keep the previous key).
    static func withBaseAddress<R>(
        _ buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer, Int) -> R
    ) -> R {
        if let base = buffer.baseAddress, buffer.count > 0 {
            return body(base, buffer.count)
        }
        var standIn: UInt8 = 0
        return withUnsafeBytes(of: &standIn) { body($0.baseAddress!, 0) }
    }

    /// Stops the process when OpenSSL cannot compute a digest.
    ///
    /// SHA-256 and HMAC in OpenSSL 3 fail only when memory allocation fails or the default provider
    /// is missing; neither leaves the process able to sign anything, and every caller would have
    /// to turn a thrown error into the same crash. swift-crypto's BoringSSL backend makes the same
    /// choice for its hash functions.
    static func check(_ succeeded: Bool, _ operation: String) {
        guard !succeeded else { return }
        let error = TLSError.fromQueue(operation)
        fatalError("OpenSSL could not compute \(error): is the OpenSSL default provider available?")
    }
}
