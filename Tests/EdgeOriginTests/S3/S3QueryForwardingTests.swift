@testable import EdgeOrigin
import Foundation
import Testing

@Suite("query parameters forwarded to S3") struct S3QueryForwardingTests {
    func names(_ forwarding: S3QueryForwarding, _ query: String) -> [String] {
        forwarding.select(rawQuery: Substring(query)).map { "\($0.name)=\($0.value)" }
    }

    @Test func noneForwardsNothing() {
        #expect(names(.none, "v=1&w=2").isEmpty)
    }

    @Test func allForwardsEveryParameterDecodedInOrder() {
        #expect(names(.all, "w=2&v=1&&flag&e=a%20b%2Bc") == ["w=2", "v=1", "flag=", "e=a b+c"])
    }

    @Test func namesForwardOnlyTheAllowList() {
        #expect(names(.names(["v"]), "v=1&w=2&V=3&v=4") == ["v=1", "v=4"])
    }

    @Test(arguments: [
        "acl", "tagging", "torrent", "attributes", "versionId", "VERSIONID", "uploadId", "partNumber", "retention",
        "legal-hold", "response-content-type", "Response-Content-Disposition", "x-amz-security-token",
        "X-Amz-Signature", "x-id",
    ])
    func s3SubresourcesAndOverridesAreNeverForwarded(name: String) {
        let forwarded = names(.all, "\(name)=x&keep=1")
        if name == "x-id" {
            // Not an S3 sub-resource: an ordinary name that merely looks like one.
            #expect(forwarded == ["x-id=x", "keep=1"])
        } else {
            #expect(forwarded == ["keep=1"])
            #expect(names(.names([name, "keep"]), "\(name)=x&keep=1") == ["keep=1"])
        }
    }

    @Test func undecodableItemsAreDropped() {
        #expect(names(.all, "a=%zz&b=%C3%28&c=ok&%41=1") == ["c=ok", "A=1"])
    }

    @Test func theSignedRequestCarriesTheQueryEncodedOnceAndSignedCanonically() throws {
        let target = S3OriginTarget(
            scheme: "https", authority: "s3.eu-west-2.amazonaws.com", bucket: "assets-123", region: "eu-west-2",
            addressing: .path, keyPrefix: "", defaultRootObject: ""
        )
        let builder = S3RequestBuilder(target: target, signer: SigV4Signer(region: "eu-west-2"))
        let decision = builder.decide(
            method: "GET", requestTarget: "/a.jpg?w=2&v=a b", viewerHeaders: [],
            query: S3QueryForwarding.all.select(rawQuery: "w=2&v=a%20b"), credentials: S3RequestBuilderTests.credentials,
            date: S3RequestBuilderTests.date
        )
        guard case .fetch(let request) = decision else {
            Issue.record("expected a fetch")
            return
        }
        #expect(request.url == "https://s3.eu-west-2.amazonaws.com/assets-123/a.jpg?v=a%20b&w=2")  // sorted: the signed canonical form
        let unsigned = S3RequestBuilder(target: target, signer: nil).decide(
            method: "GET", requestTarget: "/a.jpg", viewerHeaders: [], query: [("v", "a/b")], credentials: nil,
            date: S3RequestBuilderTests.date
        )
        guard case .fetch(let plain) = unsigned else {
            Issue.record("expected a fetch")
            return
        }
        #expect(plain.url == "https://s3.eu-west-2.amazonaws.com/assets-123/a.jpg?v=a%2Fb")
    }
}
