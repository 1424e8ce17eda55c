import NIOCore

/// The binary form of `CachedResponseMeta`, the `meta` value in LMDB.
///
/// Layout (big-endian), version 1:
/// ```
/// "EM" version:u8 flags:u8 status:u16 bodyLength:u64
/// storedAt:i64 expiresAt:i64 staleWhileRevalidate:i64 staleIfError:i64   (milliseconds)
/// chunkSize:u32 chunkCount:u32 invalidationSequence:u64
/// [etag:string] [lastModified:string]     (present when flags bit 0 / bit 1)
/// headerCount:u32 (name:string value:string)*
/// crc32:u32                                (of every byte before it)
/// string = length:u32 UTF-8 bytes
/// ```
/// Decoding checks everything (magic, version, checksum, ranges, UTF-8,
/// consistency, no trailing bytes) and throws instead of trapping: a damaged
/// record costs one cache miss, never the process.
extension CachedResponseMeta {
    static let magic: [UInt8] = [0x45, 0x4D]  // "EM"
    static let formatVersion: UInt8 = 1
    static let entityTagFlag: UInt8 = 1
    static let lastModifiedFlag: UInt8 = 2

    /// The record as stored.
    public func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return buffer
    }

    /// Appends the record to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeBytes(Self.magic)
        buffer.writeInteger(Self.formatVersion)
        let flags = (entityTag == nil ? 0 : Self.entityTagFlag) | (lastModified == nil ? 0 : Self.lastModifiedFlag)
        buffer.writeInteger(flags)
        buffer.writeInteger(UInt16(clamping: status))
        buffer.writeInteger(UInt64(clamping: bodyLength))
        buffer.writeInteger(storedAt.millisecondsSince1970)
        buffer.writeInteger(expiresAt.millisecondsSince1970)
        buffer.writeInteger(staleWhileRevalidate.wholeMilliseconds)
        buffer.writeInteger(staleIfError.wholeMilliseconds)
        buffer.writeInteger(UInt32(clamping: chunkSize))
        buffer.writeInteger(UInt32(clamping: chunkCount))
        buffer.writeInteger(invalidationSequence)
        if let entityTag { Self.write(entityTag, to: &buffer) }
        if let lastModified { Self.write(lastModified, to: &buffer) }
        buffer.writeInteger(UInt32(clamping: headers.count))
        for (name, value) in headers {
            Self.write(name, to: &buffer)
            Self.write(value, to: &buffer)
        }
        let checksum = CRC32.checksum(buffer.readableBytesView[start...])
        buffer.writeInteger(checksum)
    }

    /// A field longer than 4 GiB cannot come through the HTTP decoder (its head
    /// limit is at most 1 MiB), so the length always fits.
    private static func write(_ text: String, to buffer: inout ByteBuffer) {
        precondition(text.utf8.count <= UInt32.max, "header field of more than 4 GiB")
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
    }
}
