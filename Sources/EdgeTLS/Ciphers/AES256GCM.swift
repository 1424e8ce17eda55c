internal import COpenSSL

/// AES-256-GCM (NIST SP 800-38D) over the system OpenSSL's EVP interface, for sealing what the
/// cache writes to disk.
///
/// One instance holds an expanded key in two `EVP_CIPHER_CTX`s (one sealing, one opening) and
/// reuses them for every message, so a message costs its bytes plus a handful of calls rather
/// than a key schedule. Not thread-safe: each thread (the store's writer, each event loop's
/// reader) makes its own. Nonces are 96 bits and tags 128 bits; the caller supplies a nonce that
/// is never reused under the same key (``randomNonce(into:)``).
public final class AES256GCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    private let sealing: OpaquePointer
    private let opening: OpaquePointer

    /// The key's bytes are copied into OpenSSL's contexts (which `EVP_CIPHER_CTX_free` wipes);
    /// `key` must be 32 bytes.
    public init(key: SecretBytes) {
        precondition(key.count == Self.keyByteCount, "AES-256 takes a 32-byte key, not \(key.count)")
        guard let sealing = EVP_CIPHER_CTX_new(), let opening = EVP_CIPHER_CTX_new() else {
            preconditionFailure("EVP_CIPHER_CTX_new failed: out of memory")
        }
        self.sealing = sealing
        self.opening = opening
        let ok = key.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress
            return EVP_EncryptInit_ex(sealing, EVP_aes_256_gcm(), nil, bytes, nil) == 1
                && EVP_DecryptInit_ex(opening, EVP_aes_256_gcm(), nil, bytes, nil) == 1
        }
        precondition(ok, "EVP_*Init_ex(AES-256-GCM) failed")
    }

    deinit {
        EVP_CIPHER_CTX_free(sealing)
        EVP_CIPHER_CTX_free(opening)
    }

    /// Fills `nonce` (12 bytes) from OpenSSL's CSPRNG: with 96 random bits, 2^32 messages under
    /// one key keep the chance of a repeat below 2^-32 (SP 800-38D §8.3).
    public static func randomNonce(into nonce: UnsafeMutableRawBufferPointer) {
        precondition(nonce.count == nonceByteCount)
        let status = RAND_bytes(nonce.bindMemory(to: UInt8.self).baseAddress, Int32(nonceByteCount))
        precondition(status == 1, "RAND_bytes failed: the system's random source is unusable")
    }

    /// A message being sealed: feed the plaintext in pieces with ``Sealer/encrypt(_:into:)``,
    /// then ``Sealer/finish(tag:)``. Ciphertext has the plaintext's length.
    public struct Sealer {
        fileprivate let context: OpaquePointer

        /// Encrypts `plaintext` into the start of `output` (at least as long).
        public func encrypt(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
            guard plaintext.count > 0 else { return }
            precondition(output.count >= plaintext.count)
            var written: Int32 = 0
            let status = EVP_EncryptUpdate(
                context, output.bindMemory(to: UInt8.self).baseAddress, &written,
                plaintext.bindMemory(to: UInt8.self).baseAddress, Int32(plaintext.count))
            precondition(status == 1 && Int(written) == plaintext.count, "EVP_EncryptUpdate(AES-256-GCM) failed")
        }

        /// Ends the message and writes its 16-byte tag.
        public func finish(tag: UnsafeMutableRawBufferPointer) {
            precondition(tag.count == AES256GCM.tagByteCount)
            var written: Int32 = 0
            var sink: UInt8 = 0
            let final = EVP_EncryptFinal_ex(context, &sink, &written)
            let got = EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(AES256GCM.tagByteCount), tag.baseAddress)
            precondition(final == 1 && written == 0 && got == 1, "EVP_EncryptFinal_ex(AES-256-GCM) failed")
        }
    }

    /// Starts sealing one message under `nonce`, authenticating `aad` (not encrypted).
    public func beginSealing(nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) -> Sealer {
        precondition(nonce.count == Self.nonceByteCount)
        var written: Int32 = 0
        let started = EVP_EncryptInit_ex(sealing, nil, nil, nil, nonce.bindMemory(to: UInt8.self).baseAddress) == 1
            && (aad.isEmpty || EVP_EncryptUpdate(sealing, nil, &written, aad.bindMemory(to: UInt8.self).baseAddress, Int32(aad.count)) == 1)
        precondition(started, "EVP_EncryptInit_ex(AES-256-GCM) failed")
        return Sealer(context: sealing)
    }

    /// Seals `plaintext` into `output`: ciphertext (same length) then the tag, so `output` is
    /// `plaintext.count + 16` bytes.
    public func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == plaintext.count + Self.tagByteCount)
        let sealer = beginSealing(nonce: nonce, aad: aad)
        sealer.encrypt(plaintext, into: output)
        sealer.finish(tag: UnsafeMutableRawBufferPointer(rebasing: output[plaintext.count...]))
    }

    /// Opens `sealed` (ciphertext then tag) into `output` (`sealed.count - 16` bytes). False when
    /// the tag does not match — a wrong key, nonce or `aad`, or any altered byte — in which case
    /// `output` holds garbage the caller must not use (it is zeroed here).
    public func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) -> Bool {
        precondition(nonce.count == Self.nonceByteCount)
        guard sealed.count >= Self.tagByteCount else { return false }
        let length = sealed.count - Self.tagByteCount
        precondition(output.count == length)
        var written: Int32 = 0
        let started = EVP_DecryptInit_ex(opening, nil, nil, nil, nonce.bindMemory(to: UInt8.self).baseAddress) == 1
            && (aad.isEmpty || EVP_DecryptUpdate(opening, nil, &written, aad.bindMemory(to: UInt8.self).baseAddress, Int32(aad.count)) == 1)
        precondition(started, "EVP_DecryptInit_ex(AES-256-GCM) failed")
        if length > 0 {
            let status = EVP_DecryptUpdate(
                opening, output.bindMemory(to: UInt8.self).baseAddress, &written,
                sealed.bindMemory(to: UInt8.self).baseAddress, Int32(length))
            precondition(status == 1 && Int(written) == length, "EVP_DecryptUpdate(AES-256-GCM) failed")
        }
        var tag = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &tag) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: sealed[length...])) }
        let tagSet = withUnsafeMutableBytes(of: &tag) {
            EVP_CIPHER_CTX_ctrl(opening, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagByteCount), $0.baseAddress) == 1
        }
        var sink: UInt8 = 0
        guard tagSet, EVP_DecryptFinal_ex(opening, &sink, &written) == 1 else {
            if length > 0 { output.initializeMemory(as: UInt8.self, repeating: 0) }
            return false
        }
        return true
    }
}

@available(*, unavailable)
extension AES256GCM: Sendable {}
