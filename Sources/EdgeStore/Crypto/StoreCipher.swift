import EdgeTLS
import NIOCore

/// One thread's sealing and opening of store records (``SealedLayout``): the writer has one,
/// each ``StoreReader`` has one. Holds an ``AES256GCM`` per data key it has used, made from the
/// shared ``StoreKeyring`` on first use. Not thread-safe.
final class StoreCipher {
    let keyring: StoreKeyring
    private var contexts: [UInt32: AES256GCM] = [:]
    private var aad: [UInt8] = []
    private var nonce = [UInt8](repeating: 0, count: AES256GCM.nonceByteCount)

    init(keyring: StoreKeyring) {
        self.keyring = keyring
    }

    private func context(_ keyID: UInt32) -> AES256GCM? {
        if let context = contexts[keyID] { return context }
        guard let key = keyring.key(id: keyID) else { return nil }
        let context = AES256GCM(key: key)
        contexts[keyID] = context
        return context
    }

    /// Whether records sealed with `keyID` can be opened here.
    func canOpen(keyID: UInt32) -> Bool {
        context(keyID) != nil
    }

    // MARK: Chunks

    /// Seals one chunk, whose `length` bytes are `parts` in order, into `destination`
    /// (``SealedLayout/storedChunkLength(_:)`` bytes).
    func sealChunk(parts: [ByteBuffer], length: Int, key: [UInt8], generation: UInt64, index: UInt32, keyID: UInt32,
                   into destination: UnsafeMutableRawBufferPointer) {
        guard let gcm = context(keyID) else { preconditionFailure("sealing with key \(keyID), which is not installed") }
        precondition(destination.count == SealedLayout.storedChunkLength(length))
        var partIndex = 0
        var partOffset = 0
        var out = 0
        for segment in 0..<SealedLayout.segmentCount(chunkLength: length) {
            let segmentLength = min(SealedLayout.segmentSize, length - segment * SealedLayout.segmentSize)
            let nonceSlot = UnsafeMutableRawBufferPointer(rebasing: destination[out..<out + AES256GCM.nonceByteCount])
            AES256GCM.randomNonce(into: nonceSlot)
            out += AES256GCM.nonceByteCount
            SealedLayout.chunkAAD(key: key, generation: generation, chunk: index, segment: UInt32(segment),
                                  chunkLength: length, into: &aad)
            let sealer = aad.withUnsafeBytes { gcm.beginSealing(nonce: UnsafeRawBufferPointer(nonceSlot), aad: $0) }
            var remaining = segmentLength
            while remaining > 0 {
                let part = parts[partIndex]
                let take = min(remaining, part.readableBytes - partOffset)
                part.withUnsafeReadableBytes { source in
                    sealer.encrypt(UnsafeRawBufferPointer(rebasing: source[partOffset..<partOffset + take]),
                                   into: UnsafeMutableRawBufferPointer(rebasing: destination[out..<out + take]))
                }
                out += take
                remaining -= take
                partOffset += take
                if partOffset == part.readableBytes {
                    partIndex += 1
                    partOffset = 0
                }
            }
            sealer.finish(tag: UnsafeMutableRawBufferPointer(rebasing: destination[out..<out + AES256GCM.tagByteCount]))
            out += AES256GCM.tagByteCount
        }
    }

    /// Opens segment `segment` of a stored chunk (`stored`, the whole value) into `output`
    /// (exactly that segment's length). False if it does not authenticate or the key is gone.
    func openSegment(_ segment: Int, of stored: UnsafeRawBufferPointer, chunkLength: Int, key: [UInt8], generation: UInt64,
                     index: UInt32, keyID: UInt32, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard let gcm = context(keyID), stored.count == SealedLayout.storedChunkLength(chunkLength) else { return false }
        let start = SealedLayout.storedOffset(ofSegment: segment)
        let segmentLength = min(SealedLayout.segmentSize, chunkLength - segment * SealedLayout.segmentSize)
        precondition(segmentLength > 0 && output.count == segmentLength)
        let nonce = UnsafeRawBufferPointer(rebasing: stored[start..<start + AES256GCM.nonceByteCount])
        let sealedStart = start + AES256GCM.nonceByteCount
        let sealed = UnsafeRawBufferPointer(rebasing: stored[sealedStart..<sealedStart + segmentLength + AES256GCM.tagByteCount])
        SealedLayout.chunkAAD(key: key, generation: generation, chunk: index, segment: UInt32(segment),
                              chunkLength: chunkLength, into: &aad)
        return aad.withUnsafeBytes { gcm.open(sealed, nonce: nonce, aad: $0, into: output) }
    }

    // MARK: Meta records

    /// Seals `meta` after `header` (already written at the front of `value`, ``EntryHeader``'s
    /// sealed form) into the rest of `value`.
    func sealMeta(_ meta: ByteBuffer, key: [UInt8], keyID: UInt32, headerLength: Int, into value: UnsafeMutableRawBufferPointer) {
        guard let gcm = context(keyID) else { preconditionFailure("sealing with key \(keyID), which is not installed") }
        precondition(value.count == headerLength + SealedLayout.storedMetaLength(meta.readableBytes))
        let nonceSlot = UnsafeMutableRawBufferPointer(rebasing: value[headerLength..<headerLength + AES256GCM.nonceByteCount])
        AES256GCM.randomNonce(into: nonceSlot)
        SealedLayout.metaAAD(key: key, header: UnsafeRawBufferPointer(rebasing: value[..<headerLength]), into: &aad)
        meta.withUnsafeReadableBytes { plaintext in
            aad.withUnsafeBytes { aad in
                gcm.seal(plaintext, nonce: UnsafeRawBufferPointer(nonceSlot), aad: aad,
                         into: UnsafeMutableRawBufferPointer(rebasing: value[(headerLength + AES256GCM.nonceByteCount)...]))
            }
        }
    }

    /// Opens the caller's metadata of a sealed meta `value` into `buffer` (appended). False if
    /// it does not authenticate or the key is not installed; `buffer` is then unchanged.
    func openMeta(_ value: UnsafeRawBufferPointer, key: some Collection<UInt8>, keyID: UInt32, headerLength: Int,
                  into buffer: inout ByteBuffer) -> Bool {
        guard let gcm = context(keyID), value.count >= headerLength + SealedLayout.overhead else { return false }
        let metaLength = value.count - headerLength - SealedLayout.overhead
        let nonce = UnsafeRawBufferPointer(rebasing: value[headerLength..<headerLength + AES256GCM.nonceByteCount])
        let sealed = UnsafeRawBufferPointer(rebasing: value[(headerLength + AES256GCM.nonceByteCount)...])
        SealedLayout.metaAAD(key: key, header: UnsafeRawBufferPointer(rebasing: value[..<headerLength]), into: &aad)
        var opened = false
        aad.withUnsafeBytes { aad in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: metaLength) { output in
                opened = gcm.open(sealed, nonce: nonce, aad: aad, into: UnsafeMutableRawBufferPointer(rebasing: output[..<metaLength]))
                return opened ? metaLength : 0
            }
        }
        return opened
    }
}
