import EdgeAdminAPI
import Testing

@Suite("InvalidationPaging")
struct InvalidationPagingTests {
    let ids = (1...7).reversed().map { "I\($0)" }  // newest first: I7 … I1

    @Test("pages follow NextMarker to the end, each starting after the marker")
    func walk() throws {
        var marker: String?
        var seen: [[String]] = []
        repeat {
            let page = try InvalidationPaging.page(ids: ids, marker: marker, maxItems: "3")
            #expect(page.maxItems == 3)
            #expect(page.marker == (marker ?? ""))
            #expect(page.isTruncated == (page.nextMarker != nil))
            #expect(page.nextMarker == nil || page.nextMarker == page.ids.last)
            #expect(Array(ids[page.indices]) == page.ids)
            seen.append(page.ids)
            marker = page.nextMarker
        } while marker != nil
        #expect(seen == [["I7", "I6", "I5"], ["I4", "I3", "I2"], ["I1"]])
    }

    @Test("a page that ends exactly at the last invalidation is not truncated")
    func exactFit() throws {
        let page = try InvalidationPaging.page(ids: ids, marker: "I4", maxItems: "3")
        #expect(page.ids == ["I3", "I2", "I1"])
        #expect(!page.isTruncated)
        #expect(page.nextMarker == nil)
    }

    @Test("MaxItems defaults to 100; an empty Marker or MaxItems counts as absent")
    func defaults() throws {
        let many = (0..<250).map { "I\($0)" }
        for (marker, maxItems) in [(nil, nil), ("", ""), (nil, "")] as [(String?, String?)] {
            let page = try InvalidationPaging.page(ids: many, marker: marker, maxItems: maxItems)
            #expect(page.maxItems == 100)
            #expect(page.indices == 0..<100)
            #expect(page.nextMarker == "I99")
            #expect(page.marker == "")
        }
    }

    @Test("the marker of the oldest invalidation gives an empty last page")
    func afterTheLast() throws {
        let page = try InvalidationPaging.page(ids: ids, marker: "I1", maxItems: nil)
        #expect(page.ids.isEmpty)
        #expect(page.indices == 7..<7)
        #expect(!page.isTruncated)
    }

    @Test("no invalidations at all: an empty page")
    func empty() throws {
        let page = try InvalidationPaging.page(ids: [], marker: nil, maxItems: "1")
        #expect(page.ids.isEmpty)
        #expect(!page.isTruncated)
    }

    @Test("MaxItems 1 and 100 are accepted; leading zeros are read as decimal")
    func maxItemsBounds() throws {
        #expect(try InvalidationPaging.page(ids: ids, marker: nil, maxItems: "1").ids == ["I7"])
        #expect(try InvalidationPaging.page(ids: ids, marker: nil, maxItems: "100").ids == ids)
        #expect(try InvalidationPaging.page(ids: ids, marker: nil, maxItems: "002").ids == ["I7", "I6"])
    }

    @Test("MaxItems that is not a whole number from 1 to 100: InvalidArgument (400)",
          arguments: ["0", "101", "1000", "-1", "+5", "5.0", "ten", " 5", "99999999999999999999"])
    func badMaxItems(maxItems: String) {
        #expect(throws: CloudFrontAPIError.invalidArgument(
            "MaxItems \"\(maxItems)\" is not a whole number from 1 to 100.")) {
            try InvalidationPaging.page(ids: ids, marker: nil, maxItems: maxItems)
        }
    }

    @Test("a Marker that is not one of the distribution's invalidations: InvalidArgument (400)")
    func unknownMarker() {
        #expect(throws: CloudFrontAPIError.invalidArgument(
            "Marker \"I99\" is not the ID of an invalidation of this distribution; "
                + "use the NextMarker of the previous page, or no Marker to start with the newest.")) {
            try InvalidationPaging.page(ids: ids, marker: "I99", maxItems: nil)
        }
    }
}
