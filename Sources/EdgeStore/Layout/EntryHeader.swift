/// The store's own fields at the front of every `meta` value; the caller's metadata bytes
/// follow it, unchanged when stored in clear, sealed (``SealedLayout``) when encrypted.
///
/// Layout (big-endian): format (1 byte, = 1), sealing (1: 0 clear, 1 AES-256-GCM per
/// ``SealedLayout``), header length (2: 40 in clear, 44 sealed), chunk size (4), body length (8),
/// chunk count (4), CRC32C of the body (4; 0 when sealed), generation (8), charged bytes (8),
/// and when sealed the data key's id (4, ``StoreKeyring/identifier(of:)``). The header length
/// lets a later format append fields.
struct EntryHeader: Hashable {
    static let clearLength = 40
    static let sealedLength = 44
    static let format: UInt8 = 1

    var chunkSize: Int
    var bodyLength: Int
    var chunkCount: Int
    /// CRC32C of the whole body (``CRC32C``); 0 for a sealed entry.
    var checksum: UInt32
    /// The fill that wrote it: part of every chunk's key.
    var generation: UInt64
    /// What the entry counts against `maxSize` (``StorageCost``), so eviction knows what it frees.
    var chargedBytes: Int
    /// The data key that sealed the entry's chunks and metadata; nil for an entry in clear.
    var keyID: UInt32?

    var length: Int { keyID == nil ? Self.clearLength : Self.sealedLength }

    func write(into raw: UnsafeMutableRawBufferPointer) {
        raw.storeBytes(of: Self.format, toByteOffset: 0, as: UInt8.self)
        raw.storeBytes(of: keyID == nil ? 0 : 1, toByteOffset: 1, as: UInt8.self)
        raw.storeBigEndian(UInt16(length), at: 2)
        raw.storeBigEndian(UInt32(chunkSize), at: 4)
        raw.storeBigEndian(UInt64(bodyLength), at: 8)
        raw.storeBigEndian(UInt32(chunkCount), at: 16)
        raw.storeBigEndian(checksum, at: 20)
        raw.storeBigEndian(generation, at: 24)
        raw.storeBigEndian(UInt64(chargedBytes), at: 32)
        if let keyID { raw.storeBigEndian(keyID, at: 40) }
    }

    /// Decodes and checks a stored value; nil if it is not a consistent header of this format.
    init?(decoding raw: UnsafeRawBufferPointer) {
        guard raw.count >= Self.clearLength, raw[0] == Self.format else { return nil }
        let sealed: Bool
        switch (raw[1], raw.loadBigEndian(at: 2, as: UInt16.self)) {
        case (0, UInt16(Self.clearLength)): sealed = false
        case (1, UInt16(Self.sealedLength)) where raw.count >= Self.sealedLength: sealed = true
        default: return nil
        }
        let chunkSize = Int(raw.loadBigEndian(at: 4, as: UInt32.self))
        let bodyLength = raw.loadBigEndian(at: 8, as: UInt64.self)
        let chunkCount = Int(raw.loadBigEndian(at: 16, as: UInt32.self))
        let charged = raw.loadBigEndian(at: 32, as: UInt64.self)
        guard chunkSize > 0, bodyLength <= UInt64(Int.max), charged <= UInt64(Int.max) else { return nil }
        self.init(
            chunkSize: chunkSize, bodyLength: Int(bodyLength), chunkCount: chunkCount,
            checksum: raw.loadBigEndian(at: 20), generation: raw.loadBigEndian(at: 24),
            chargedBytes: Int(charged), keyID: sealed ? raw.loadBigEndian(at: 40, as: UInt32.self) : nil
        )
        guard chunkCount == (self.bodyLength + chunkSize - 1) / chunkSize else { return nil }
    }

    init(chunkSize: Int, bodyLength: Int, chunkCount: Int, checksum: UInt32, generation: UInt64, chargedBytes: Int,
         keyID: UInt32? = nil) {
        self.chunkSize = chunkSize
        self.bodyLength = bodyLength
        self.chunkCount = chunkCount
        self.checksum = checksum
        self.generation = generation
        self.chargedBytes = chargedBytes
        self.keyID = keyID
    }

    /// The length chunk `index` must have.
    func length(ofChunk index: Int) -> Int {
        index == chunkCount - 1 ? bodyLength - index * chunkSize : chunkSize
    }

    /// The length of chunk `index`'s stored value: its bytes, plus the seals' overhead when sealed.
    func storedLength(ofChunk index: Int) -> Int {
        let length = length(ofChunk: index)
        return keyID == nil ? length : SealedLayout.storedChunkLength(length)
    }
}
