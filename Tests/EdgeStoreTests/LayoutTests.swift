@testable import EdgeStore
import Testing

@Suite struct LayoutTests {
    @Test func crc32cMatchesTheStandardCheckValueInAnySlicing() {
        let message = Array("123456789".utf8)
        #expect(message.withUnsafeBytes { CRC32C($0).value } == 0xE306_9283)
        let long = TestBodies.bytes(key: [9], version: 9, count: 1000)
        let whole = long.withUnsafeBytes { CRC32C($0).value }
        for split in [0, 1, 7, 8, 9, 500, 999] {
            var parts = CRC32C()
            long[..<split].withUnsafeBytes { parts.update($0) }
            long[split...].withUnsafeBytes { parts.update($0) }
            #expect(parts.value == whole)
        }
        #expect([UInt8]().withUnsafeBytes { CRC32C($0).value } == 0)
    }

    @Test func entryHeaderRoundTripsAndRefusesInconsistentOnes() {
        let header = EntryHeader(chunkSize: 4096, bodyLength: 10_000, chunkCount: 3, checksum: 0xDEAD_BEEF,
                                 generation: 1 << 40, chargedBytes: 40_000)
        var bytes = [UInt8](repeating: 0, count: EntryHeader.clearLength + 5)
        bytes.withUnsafeMutableBytes { header.write(into: $0) }
        #expect(bytes.withUnsafeBytes { EntryHeader(decoding: $0) } == header)
        #expect(header.length(ofChunk: 2) == 10_000 - 8192)

        var wrongCount = bytes
        wrongCount[19] = 4
        #expect(wrongCount.withUnsafeBytes { EntryHeader(decoding: $0) } == nil)
        var wrongFormat = bytes
        wrongFormat[0] = 2
        #expect(wrongFormat.withUnsafeBytes { EntryHeader(decoding: $0) } == nil)
        #expect(bytes.prefix(39).withUnsafeBytes { EntryHeader(decoding: $0) } == nil)
    }

    @Test func bodyKeysSortByKeyThenGenerationThenIndexAndParseFromTheEnd() {
        let key = Array("/a\u{0}b".utf8)
        let first = BodyKey.make(key: key, generation: 2, index: 9)
        let second = BodyKey.make(key: key, generation: 2, index: 10)
        let newer = BodyKey.make(key: key, generation: 3, index: 0)
        #expect(first.lexicographicallyPrecedes(second) && second.lexicographicallyPrecedes(newer))
        let parsed = second.withUnsafeBytes { BodyKey.parse($0).map { (Array($0.key), $0.generation, $0.index) } }
        #expect(parsed?.0 == key && parsed?.1 == 2 && parsed?.2 == 10)
    }

    @Test func storageCostFollowsLMDBPages() {
        let cost = StorageCost(pageSize: 4096)
        #expect(cost.nodeMax == 2038)
        // 256 KiB plus the 16-byte page header: 65 pages, plus the leaf node counted twice.
        #expect(cost.chunk(keyLength: 20, length: 256 * 1024) == 65 * 4096 + 2 * (8 + 32 + 8 + 2))
        #expect(cost.record(keyLength: 10, valueLength: 100) == 2 * (8 + 10 + 100 + 2))
    }

    @Test func mapSizeAddsDocumentedHeadroom() {
        var configuration = CacheStoreConfiguration(path: "/unused", maxSize: 10 << 30)
        #expect(configuration.mapSize == (10 << 30) + (10 << 30) / 8 + 2 * (16 << 20))
        configuration.maxSize = 1 << 20
        #expect(configuration.mapSize == (1 << 20) + (8 << 20) + 2 * (16 << 20))
    }
}
