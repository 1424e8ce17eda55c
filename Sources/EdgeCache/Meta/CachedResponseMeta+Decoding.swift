import NIOCore

/// Why a stored meta record could not be read. The store treats every case
/// the same (a miss; the record is replaced by the next fill); the case names
/// the cause for the log.
public enum CachedResponseMetaDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a meta record at all (wrong magic bytes).
    case notAMetaRecord
    /// Written by a newer s3edge; this one cannot read it.
    case unsupportedVersion(UInt8)
    /// Shorter than its fields say.
    case truncated
    /// The CRC-32 does not match: damaged on disk or in transit.
    case checksumMismatch
    /// A field is out of range or inconsistent (named).
    case invalidField(String)
    /// Bytes after the checksum.
    case trailingBytes

    public var description: String {
        switch self {
        case .notAMetaRecord: return "not a cache meta record"
        case .unsupportedVersion(let version): return "meta record format \(version) is newer than this s3edge reads"
        case .truncated: return "meta record is truncated"
        case .checksumMismatch: return "meta record checksum mismatch (damaged)"
        case .invalidField(let field): return "meta record has an invalid \(field)"
        case .trailingBytes: return "meta record has trailing bytes"
        }
    }
}

extension CachedResponseMeta {
    /// Decodes a record written by `encode(into:)`.
    public init(decoding bytes: some Collection<UInt8>) throws(CachedResponseMetaDecodingError) {
        try self.init(decoding: ByteBuffer(bytes: bytes))
    }

    /// Decodes a record written by `encode(into:)`; reads `buffer`'s readable bytes.
    public init(decoding buffer: ByteBuffer) throws(CachedResponseMetaDecodingError) {
        var reader = buffer
        guard reader.readBytes(length: 2) == Self.magic else { throw .notAMetaRecord }
        guard let version = reader.readInteger(as: UInt8.self) else { throw .truncated }
        guard version == Self.formatVersion else { throw .unsupportedVersion(version) }
        guard buffer.readableBytes >= 4 + 3,
            let stored = buffer.getInteger(at: buffer.writerIndex - 4, as: UInt32.self)
        else { throw .truncated }
        let covered = buffer.readableBytesView.dropLast(4)
        guard CRC32.checksum(covered) == stored else { throw .checksumMismatch }
        reader = buffer.getSlice(at: buffer.readerIndex + 3, length: buffer.readableBytes - 3 - 4) ?? ByteBuffer()
        try self.init(fields: &reader)
        guard reader.readableBytes == 0 else { throw .trailingBytes }
    }

    private init(fields reader: inout ByteBuffer) throws(CachedResponseMetaDecodingError) {
        let flags: UInt8 = try Self.read(&reader)
        guard flags & ~(Self.entityTagFlag | Self.lastModifiedFlag) == 0 else { throw .invalidField("flags") }
        let status = Int(try Self.read(&reader) as UInt16)
        guard (100...599).contains(status) else { throw .invalidField("status") }
        guard let bodyLength = Int(exactly: try Self.read(&reader) as UInt64) else {
            throw .invalidField("body length")
        }
        let storedAt = CacheTime(millisecondsSince1970: try Self.read(&reader))
        let expiresAt = CacheTime(millisecondsSince1970: try Self.read(&reader))
        guard expiresAt >= storedAt else { throw .invalidField("expiry") }
        let staleWhileRevalidate: Int64 = try Self.read(&reader)
        let staleIfError: Int64 = try Self.read(&reader)
        guard staleWhileRevalidate >= 0, staleIfError >= 0 else { throw .invalidField("stale window") }
        let chunkSize = Int(try Self.read(&reader) as UInt32)
        let chunkCount = Int(try Self.read(&reader) as UInt32)
        guard chunkSize > 0 else { throw .invalidField("chunk size") }
        let invalidationSequence: UInt64 = try Self.read(&reader)
        let entityTag = flags & Self.entityTagFlag != 0 ? try Self.readString(&reader) : nil
        let lastModified = flags & Self.lastModifiedFlag != 0 ? try Self.readString(&reader) : nil
        let headerCount = Int(try Self.read(&reader) as UInt32)
        // Each header takes at least 8 bytes: a corrupt count cannot make us reserve gigabytes.
        guard headerCount <= reader.readableBytes / 8 else { throw .truncated }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(headerCount)
        for _ in 0..<headerCount {
            headers.append((try Self.readString(&reader), try Self.readString(&reader)))
        }
        self.init(
            status: status, headers: headers, bodyLength: bodyLength, entityTag: entityTag,
            lastModified: lastModified, storedAt: storedAt, lifetime: StoreLifetime(ttl: expiresAt - storedAt),
            chunkSize: chunkSize, invalidationSequence: invalidationSequence)
        self.expiresAt = expiresAt
        self.staleWhileRevalidate = .milliseconds(staleWhileRevalidate)
        self.staleIfError = .milliseconds(staleIfError)
        guard self.chunkCount == chunkCount else { throw .invalidField("chunk count") }
    }

    private static func read<T: FixedWidthInteger>(
        _ reader: inout ByteBuffer
    ) throws(CachedResponseMetaDecodingError) -> T {
        guard let value = reader.readInteger(as: T.self) else { throw .truncated }
        return value
    }

    private static func readString(_ reader: inout ByteBuffer) throws(CachedResponseMetaDecodingError) -> String {
        let length = Int(try read(&reader) as UInt32)
        guard let bytes = reader.readBytes(length: length) else { throw .truncated }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { throw .invalidField("text (not UTF-8)") }
        return text
    }
}
