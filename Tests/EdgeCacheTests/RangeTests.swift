import EdgeCache
import Testing

@Suite("Range requests")
struct RangeTests {
    private func decide(_ range: String?, length: Int = 1000) -> RangeDecision {
        RangeDecision(range: range, length: length)
    }

    private func partial(_ first: Int, _ last: Int, of length: Int = 1000) -> RangeDecision {
        .partial(ByteRange(first: first, last: last, completeLength: length))
    }

    @Test("single, open-ended and suffix ranges")
    func forms() {
        #expect(decide("bytes=0-499") == partial(0, 499))
        #expect(decide("bytes=500-") == partial(500, 999))
        #expect(decide("bytes=-200") == partial(800, 999))
        #expect(decide("bytes=999-999") == partial(999, 999))
        #expect(decide("Bytes = 10 - 19 ") == partial(10, 19))
        #expect(decide("bytes=0-499")
            == .partial(ByteRange(first: 0, last: 499, completeLength: 1000)))
        if case .partial(let range) = decide("bytes=0-499") {
            #expect(range.contentRange == "bytes 0-499/1000")
            #expect(range.count == 500)
        }
    }

    @Test("ends beyond the object are cut; suffixes longer than it give the whole object as 206")
    func clamped() {
        #expect(decide("bytes=900-5000") == partial(900, 999))
        #expect(decide("bytes=-5000") == partial(0, 999))
        #expect(decide("bytes=0-99999999999999999999999") == partial(0, 999))
    }

    @Test("unsatisfiable ranges give 416 with bytes */length")
    func unsatisfiable() {
        for range in ["bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=99999999999999999999-"] {
            #expect(decide(range) == .unsatisfiable(contentRange: "bytes */1000"), "\(range)")
        }
        #expect(decide("bytes=0-", length: 0) == .unsatisfiable(contentRange: "bytes */0"))
        #expect(decide("bytes=-5", length: 0) == .unsatisfiable(contentRange: "bytes */0"))
    }

    @Test("several ranges: the whole object with 200, as CloudFront does")
    func multiple() {
        #expect(decide("bytes=0-1,5-6") == .multipleRanges)
        #expect(decide("bytes=0-1, -5") == .multipleRanges)
    }

    @Test("absent, other units and bad syntax are ignored: the whole object")
    func ignored() {
        for range in [
            nil, "", "items=0-5", "bytes", "bytes=", "bytes=-", "bytes=5-1", "bytes=a-b", "bytes=1-2-3", "bytes=0-1,x",
            "bytes=+1-2",
        ] {
            #expect(decide(range) == .whole, "\(range ?? "nil")")
        }
    }

    @Test("If-Range keeps the range only for a strongly matching ETag or the exact Last-Modified")
    func ifRange() {
        let modified = "Sun, 06 Nov 1994 08:49:37 GMT"
        func decide(_ ifRange: String, tag: String? = "\"v1\"") -> RangeDecision {
            RangeDecision(range: "bytes=0-9", length: 100, ifRange: ifRange, entityTag: tag, lastModified: modified)
        }
        let range = partial(0, 9, of: 100)
        #expect(decide("\"v1\"") == range)
        #expect(decide("\"v2\"") == .whole)
        #expect(decide("W/\"v1\"") == .whole)
        #expect(decide("\"v1\"", tag: "W/\"v1\"") == .whole)
        #expect(decide(modified) == range)
        #expect(decide("Sun, 06 Nov 1994 08:49:38 GMT") == .whole)
        #expect(decide("garbage") == .whole)
    }

    @Test("a range reads only the chunks it needs, with offsets inside them")
    func chunks() {
        let range = ByteRange(first: 300, last: 1100, completeLength: 5000)
        let span = ChunkSpan(range: range, chunkSize: 256)
        #expect(span.chunks == 1...4)
        #expect(span.offsetInFirstChunk == 44)
        #expect(span.lengthInLastChunk == 77)
        #expect(span.bytes(inChunk: 1, chunkSize: 256) == 44..<256)
        #expect(span.bytes(inChunk: 2, chunkSize: 256) == 0..<256)
        #expect(span.bytes(inChunk: 4, chunkSize: 256) == 0..<77)
        let total = span.chunks.map { span.bytes(inChunk: $0, chunkSize: 256).count }.reduce(0, +)
        #expect(total == range.count)
        let single = ChunkSpan(range: ByteRange(first: 10, last: 20, completeLength: 100), chunkSize: 256)
        #expect(single.chunks == 0...0)
        #expect(single.bytes(inChunk: 0, chunkSize: 256) == 10..<21)
        let edge = ChunkSpan(range: ByteRange(first: 256, last: 511, completeLength: 512), chunkSize: 256)
        #expect(edge.chunks == 1...1)
        #expect(edge.bytes(inChunk: 1, chunkSize: 256) == 0..<256)
    }
}
