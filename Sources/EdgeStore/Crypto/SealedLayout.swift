import EdgeTLS

/// How sealed (encrypted) records lie in the file: AES-256-GCM, every part bound to its place.
///
/// - A chunk of `n` body bytes is cut into segments of ``segmentSize`` bytes (the last may be
///   shorter). Each is stored as `nonce (12) ‖ ciphertext ‖ tag (16)`, one after another, so a
///   reader opens just the segments a slice needs. The additional authenticated data of a
///   segment is the domain `s3edge chunk 1`, the entry's generation, the chunk index, the
///   segment index, the chunk's length and the cache key: a segment moved to another place,
///   another chunk, another entry or an older fill of the same key fails to open, and so does
///   a chunk cut short or run long.
/// - A meta value is the entry header in clear (the store needs sizes and the generation to
///   evict and check without the key) followed by `nonce ‖ sealed caller metadata ‖ tag`. The
///   header names the data key and counts as additional data together with the cache key, so
///   a header edited on disk, or a meta record copied to another key, fails to open too. The
///   header's body checksum is 0: the tags are the integrity check.
///
/// Nonces are 96 random bits per segment and per meta record.
enum SealedLayout {
    /// Body bytes per sealed segment: the cache responder's slice, so a hit opens each segment once.
    static let segmentSize = 64 * 1024
    static let overhead = AES256GCM.nonceByteCount + AES256GCM.tagByteCount

    static func segmentCount(chunkLength: Int) -> Int {
        (chunkLength + segmentSize - 1) / segmentSize
    }

    static func storedChunkLength(_ chunkLength: Int) -> Int {
        chunkLength + segmentCount(chunkLength: chunkLength) * overhead
    }

    /// Where segment `index` of a chunk starts in the stored value.
    static func storedOffset(ofSegment index: Int) -> Int {
        index * (segmentSize + overhead)
    }

    static func storedMetaLength(_ metaLength: Int) -> Int {
        metaLength + overhead
    }

    static let chunkDomain = Array("s3edge chunk 1".utf8)
    static let metaDomain = Array("s3edge meta 1".utf8)

    /// The additional data of one chunk segment, written into `aad` (reused).
    static func chunkAAD(key: [UInt8], generation: UInt64, chunk: UInt32, segment: UInt32, chunkLength: Int,
                         into aad: inout [UInt8]) {
        aad.removeAll(keepingCapacity: true)
        aad.append(contentsOf: chunkDomain)
        aad.appendBigEndian(generation)
        aad.appendBigEndian(chunk)
        aad.appendBigEndian(segment)
        aad.appendBigEndian(UInt32(chunkLength))
        aad.append(contentsOf: key)
    }

    /// The additional data of a meta record: domain, the header's bytes, the cache key.
    static func metaAAD(key: some Collection<UInt8>, header: UnsafeRawBufferPointer, into aad: inout [UInt8]) {
        aad.removeAll(keepingCapacity: true)
        aad.append(contentsOf: metaDomain)
        aad.append(contentsOf: header)
        aad.append(contentsOf: key)
    }
}
