import EdgeCache
import NIOCore
import Testing

@Suite("cached response meta: binary form")
struct MetaEncodingTests {
    static let sample = CachedResponseMeta(
        status: 200,
        headers: fields("Content-Type: image/jpeg", "ETag: \"abc\"", "X-Unicode: caf\u{e9} \u{1F600}"),
        bodyLength: 600_000, entityTag: "\"abc\"", lastModified: "Sun, 06 Nov 1994 08:49:37 GMT",
        storedAt: t0,
        lifetime: StoreLifetime(ttl: .seconds(3600), staleWhileRevalidate: .seconds(30), staleIfError: .seconds(600)),
        chunkSize: 262_144, invalidationSequence: 42)

    @Test("encode then decode gives the same meta, with or without validators")
    func roundTrip() throws {
        #expect(try CachedResponseMeta(decoding: Self.sample.encoded()) == Self.sample)
        var bare = Self.sample
        bare.entityTag = nil
        bare.lastModified = nil
        bare.headers = []
        bare.bodyLength = 0
        bare.status = 404
        #expect(try CachedResponseMeta(decoding: bare.encoded()) == bare)
        #expect(bare.chunkCount == 0)
        #expect(Self.sample.chunkCount == 3)
        #expect(Self.sample.expiresAt == at(3600))
    }

    @Test("decodes from the bytes as the store hands them over")
    func fromBytes() throws {
        let bytes = Array(Self.sample.encoded().readableBytesView)
        #expect(try CachedResponseMeta(decoding: bytes) == Self.sample)
        #expect(bytes.starts(with: [0x45, 0x4D, 1]))
    }

    @Test("every single flipped bit decodes to an error, never to a crash or a wrong meta")
    func bitFlips() {
        let bytes = Array(Self.sample.encoded().readableBytesView)
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                #expect(throws: CachedResponseMetaDecodingError.self) { try CachedResponseMeta(decoding: damaged) }
            }
        }
    }

    @Test("every truncation, and extra bytes, decode to errors")
    func truncations() {
        let bytes = Array(Self.sample.encoded().readableBytesView)
        for length in 0..<bytes.count {
            #expect(throws: CachedResponseMetaDecodingError.self) {
                try CachedResponseMeta(decoding: bytes.prefix(length))
            }
        }
        #expect(throws: CachedResponseMetaDecodingError.self) { try CachedResponseMeta(decoding: bytes + [0]) }
    }

    @Test("the error names the cause")
    func errors() {
        var bytes = Array(Self.sample.encoded().readableBytesView)
        #expect(throws: CachedResponseMetaDecodingError.notAMetaRecord) { try CachedResponseMeta(decoding: [1, 2, 3]) }
        bytes[2] = 9
        #expect(throws: CachedResponseMetaDecodingError.unsupportedVersion(9)) {
            try CachedResponseMeta(decoding: bytes)
        }
        bytes[2] = 1
        bytes[10] ^= 0xFF
        #expect(throws: CachedResponseMetaDecodingError.checksumMismatch) { try CachedResponseMeta(decoding: bytes) }
    }

    @Test("a well-checksummed record with impossible fields is refused field by field")
    func semanticChecks() {
        func reencoded(_ patch: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = Array(Self.sample.encoded().readableBytesView.dropLast(4))
            patch(&bytes)
            let crc = crc32(bytes)
            return bytes + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        }
        #expect(throws: CachedResponseMetaDecodingError.invalidField("status")) {
            try CachedResponseMeta(decoding: reencoded { $0[4] = 0x03; $0[5] = 0xE8 })  // 1000
        }
        #expect(throws: CachedResponseMetaDecodingError.invalidField("flags")) {
            try CachedResponseMeta(decoding: reencoded { $0[3] |= 0x80 })
        }
        #expect(throws: CachedResponseMetaDecodingError.invalidField("chunk count")) {
            try CachedResponseMeta(decoding: reencoded { $0[53] ^= 1 })
        }
        #expect(throws: CachedResponseMetaDecodingError.truncated) {
            try CachedResponseMeta(decoding: reencoded { $0.removeLast() })
        }
        // A body length near Int.max must not overflow the chunk arithmetic.
        #expect(throws: CachedResponseMetaDecodingError.invalidField("chunk count")) {
            try CachedResponseMeta(decoding: reencoded { bytes in
                bytes.replaceSubrange(6..<14, with: [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
            })
        }
        #expect(throws: CachedResponseMetaDecodingError.invalidField("expiry")) {
            try CachedResponseMeta(decoding: reencoded { $0[22] = 0x80 })
        }
    }
}

/// zlib's CRC-32, for building well-checksummed bad records.
private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}
