@testable import EdgeOrigin
import EdgeTLS
import Foundation
import Testing

/// Each refusal of `SigV4Verifier`, on requests signed by s3edge's own signer for `cloudfront`
/// and then altered the way a broken or hostile client would.
@Suite struct SigV4VerifierTests {
    static let credentials = SigV4Credentials(accessKeyID: "AKIAADMINEXAMPLE", secretAccessKey: "c2VjcmV0LWFkbWluLWtleS1leGFtcGxlLTAwMDAwMDA")
    static let signedAt = amzDate("20261129T140731Z")
    static let verifier = SigV4Verifier(region: "us-east-1", service: "cloudfront")

    /// A request signed at `signedAt` as a client sends it: path, encoded query, signed headers.
    static func signed(
        method: String = "GET", path: String = "/2020-05-31/distribution/E1/invalidation",
        query: [(name: String, value: String)] = [("MaxItems", "10")],
        headers: [(name: String, value: String)] = [("Host", "127.0.0.1:9180")],
        body: [UInt8] = [], signer: SigV4Signer = SigV4Signer(region: "us-east-1", service: "cloudfront", options: .generic),
        credentials: SigV4Credentials = credentials
    ) throws -> SigV4ReceivedRequest {
        let hash = SigV4PayloadHash(hashing: body)
        let result = try signer.sign(
            SigV4Request(method: method, path: path, query: query, headers: headers, payloadHash: hash),
            credentials: credentials, date: signedAt
        )
        let target = result.query.isEmpty ? path : path + "?" + result.query
        return SigV4ReceivedRequest(method: method, target: target, headers: headers + result.headers, payloadHash: hash)
    }

    static func verify(_ request: SigV4ReceivedRequest, now: Date = signedAt) -> Result<String, SigV4VerificationFailure> {
        verifier.verify(request, now: now) { $0 == credentials.accessKeyID ? credentials.secretAccessKey : nil }
    }

    static func replacingAuthorization(_ request: SigV4ReceivedRequest, _ change: (String) -> String) -> SigV4ReceivedRequest {
        var changed = request
        changed.headers = request.headers.map { $0.name == "Authorization" ? ($0.name, change($0.value)) : $0 }
        return changed
    }

    @Test func aSignedRequestVerifiesAndNamesItsAccessKey() throws {
        #expect(Self.verify(try Self.signed()) == .success("AKIAADMINEXAMPLE"))
        let post = try Self.signed(method: "POST", query: [], body: Array("<InvalidationBatch/>".utf8))
        #expect(Self.verify(post) == .success("AKIAADMINEXAMPLE"))
    }

    @Test func withoutAuthorizationIsMissing() throws {
        var request = try Self.signed()
        request.headers.removeAll { $0.name == "Authorization" }
        #expect(Self.verify(request) == .failure(.missingAuthorization))
    }

    @Test(arguments: [
        "Bearer 0123456789abcdef0123456789abcdef",
        "AWS AKIAADMINEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
        "AWS4-ECDSA-P256-SHA256 Credential=AKIAADMINEXAMPLE/20261129/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=3045",
        "aws4-hmac-sha256 Credential=AKIAADMINEXAMPLE/20261129/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
    ])
    func otherSchemesAreUnsupported(_ authorization: String) throws {
        let request = Self.replacingAuthorization(try Self.signed()) { _ in authorization }
        #expect(Self.verify(request) == .failure(.unsupportedAlgorithm))
    }

    /// Alterations of a valid header value that break its shape.
    static func malformed(_ alteration: String, _ value: String) -> String {
        switch alteration {
        case "no parameters": "AWS4-HMAC-SHA256"
        case "Signature missing": value.replacingOccurrences(of: #", Signature=[0-9a-f]+"#, with: "", options: .regularExpression)
        case "Credential twice": value + ", Credential=AKIAADMINEXAMPLE/20261129/us-east-1/cloudfront/aws4_request"
        case "unknown parameter": value + ", Expires=3600"
        case "63 hex digits": String(value.dropLast())
        case "non-hex signature": String(value.dropLast()) + "g"
        case "four-part credential": value.replacingOccurrences(of: "/us-east-1/", with: "/")
        case "wrong terminator": value.replacingOccurrences(of: "aws4_request", with: "aws4_requesT")
        case "scope date not 8 digits": value.replacingOccurrences(of: "/20261129/", with: "/2026-11-29/")
        case "unsorted signed headers": value.replacingOccurrences(of: "host;x-amz-date", with: "x-amz-date;host")
        case "upper-case signed header": value.replacingOccurrences(of: "host;x-amz-date", with: "Host;x-amz-date")
        case "repeated signed header": value.replacingOccurrences(of: "host;x-amz-date", with: "host;host;x-amz-date")
        case "empty signed header": value.replacingOccurrences(of: "host;x-amz-date", with: "host;;x-amz-date")
        default: value
        }
    }

    @Test(arguments: [
        "no parameters", "Signature missing", "Credential twice", "unknown parameter", "63 hex digits", "non-hex signature",
        "four-part credential", "wrong terminator", "scope date not 8 digits", "unsorted signed headers",
        "upper-case signed header", "repeated signed header", "empty signed header",
    ])
    func malformedAuthorizationIsRefused(_ alteration: String) throws {
        let original = try Self.signed()
        let request = Self.replacingAuthorization(original) { Self.malformed(alteration, $0) }
        #expect(request.values(of: "authorization") != original.values(of: "authorization"), "the alteration changes nothing")
        #expect(Self.verify(request) == .failure(.malformedAuthorization), "\(request.values(of: "authorization"))")
    }

    @Test func twoAuthorizationHeadersAreMalformed() throws {
        var request = try Self.signed()
        request.headers.append(try #require(request.headers.first { $0.name == "Authorization" }))
        #expect(Self.verify(request) == .failure(.malformedAuthorization))
    }

    @Test func parametersInAnotherOrderAndWithoutSpacesAreAccepted() throws {
        let request = try Self.signed()
        let value = try #require(request.values(of: "authorization").first)
        let parts = value.dropFirst("AWS4-HMAC-SHA256 ".count).components(separatedBy: ", ")
        let reordered = Self.replacingAuthorization(request) { _ in "AWS4-HMAC-SHA256 " + parts.reversed().joined(separator: ",") }
        #expect(Self.verify(reordered) == .success("AKIAADMINEXAMPLE"))
        let spaced = Self.replacingAuthorization(request) { _ in "  AWS4-HMAC-SHA256   " + parts.joined(separator: " ,  ") + " " }
        #expect(Self.verify(spaced) == .success("AKIAADMINEXAMPLE"))
    }

    @Test func unknownAccessKeyIsRefusedBeforeAnySignatureWork() throws {
        let stranger = SigV4Credentials(accessKeyID: "AKIASTRANGER", secretAccessKey: Self.credentials.secretAccessKey)
        #expect(Self.verify(try Self.signed(credentials: stranger)) == .failure(.unknownAccessKey))
    }

    @Test func hostAndDateMustBeSigned() throws {
        let request = try Self.signed()
        let withoutHost = Self.replacingAuthorization(request) { $0.replacingOccurrences(of: "SignedHeaders=host;", with: "SignedHeaders=") }
        #expect(Self.verify(withoutHost) == .failure(.hostNotSigned))
        let withoutDate = Self.replacingAuthorization(request) { $0.replacingOccurrences(of: "host;x-amz-date", with: "host") }
        #expect(Self.verify(withoutDate) == .failure(.dateNotSigned))
    }

    @Test func aSignedHeaderAbsentFromTheRequestIsNamed() throws {
        var request = try Self.signed(headers: [("Host", "127.0.0.1:9180"), ("X-Admin-Note", "rotate")])
        #expect(Self.verify(request) == .success("AKIAADMINEXAMPLE"))
        request.headers.removeAll { $0.name == "X-Admin-Note" }
        #expect(Self.verify(request) == .failure(.signedHeaderMissing("x-admin-note")))
    }

    @Test(arguments: ["", "2026-11-29T14:07:31Z", "20261131T140731Z", "20261129T246000Z", "20261129t140731z", "20261129T140731"])
    func malformedDatesAreRefused(_ date: String) throws {
        var request = try Self.signed()
        request.headers = request.headers.map { $0.name == "x-amz-date" ? ($0.name, date) : $0 }
        #expect(Self.verify(request) == .failure(.dateMissingOrMalformed))
    }

    @Test func aMissingOrRepeatedDateIsRefused() throws {
        let request = try Self.signed()
        var missing = request
        missing.headers.removeAll { $0.name == "x-amz-date" }
        #expect(Self.verify(missing) == .failure(.dateMissingOrMalformed))
        var repeated = request
        repeated.headers.append(("X-Amz-Date", "20261129T140731Z"))
        #expect(Self.verify(repeated) == .failure(.dateMissingOrMalformed))
    }

    @Test func fifteenMinutesEitherWayIsTheLimit() throws {
        let request = try Self.signed()
        #expect(SigV4Verifier.maximumSkew == .seconds(900))
        #expect(Self.verify(request, now: Self.signedAt.addingTimeInterval(900)) == .success("AKIAADMINEXAMPLE"))
        #expect(Self.verify(request, now: Self.signedAt.addingTimeInterval(901)) == .failure(.requestTooOld))
        #expect(Self.verify(request, now: Self.signedAt.addingTimeInterval(-900)) == .success("AKIAADMINEXAMPLE"))
        #expect(Self.verify(request, now: Self.signedAt.addingTimeInterval(-901)) == .failure(.requestTooFarInFuture))
    }

    @Test func scopeDateMustBeTheRequestsDate() throws {
        let request = Self.replacingAuthorization(try Self.signed()) { $0.replacingOccurrences(of: "/20261129/", with: "/20261128/") }
        #expect(Self.verify(request) == .failure(.wrongScope(.date)))
    }

    @Test func aRequestSignedForS3DoesNotVerifyForCloudFront() throws {
        let s3 = SigV4Signer(region: "us-east-1", service: "s3", options: .generic)
        #expect(Self.verify(try Self.signed(signer: s3)) == .failure(.wrongScope(.service)))
        let otherRegion = SigV4Signer(region: "eu-west-1", service: "cloudfront", options: .generic)
        #expect(Self.verify(try Self.signed(signer: otherRegion)) == .failure(.wrongScope(.region)))
    }

    @Test func upperCaseSignatureHexIsAMismatch() throws {
        let request = Self.replacingAuthorization(try Self.signed()) { value in
            let signature = value.components(separatedBy: "Signature=")[1]
            return value.replacingOccurrences(of: signature, with: signature.uppercased())
        }
        #expect(Self.verify(request) == .failure(.signatureMismatch))
    }

    /// With `x-amz-content-sha256` signed, a changed body leaves the signature valid; the hash
    /// catches it. Without it, the body's hash is in the canonical request and the signature fails.
    @Test func aChangedBodyIsCaught() throws {
        let body = Array("<InvalidationBatch/>".utf8)
        var withHash = try Self.signed(
            method: "POST", query: [], body: body,
            signer: SigV4Signer(region: "us-east-1", service: "cloudfront", options: SigV4Options(pathRule: .generic, signsContentSHA256Header: true))
        )
        #expect(Self.verify(withHash) == .success("AKIAADMINEXAMPLE"))
        withHash.payloadHash = SigV4PayloadHash(hashing: Array("<InvalidationBatch />".utf8))
        #expect(Self.verify(withHash) == .failure(.payloadHashMismatch))

        var withoutHash = try Self.signed(method: "POST", query: [], body: body)
        withoutHash.payloadHash = SigV4PayloadHash(hashing: Array("<InvalidationBatch />".utf8))
        #expect(Self.verify(withoutHash) == .failure(.signatureMismatch))
    }

    /// Repeated fields are joined in the order received, so reordering them changes the signature.
    @Test func repeatedHeaderFieldsKeepTheirOrder() throws {
        let request = try Self.signed(headers: [("Host", "127.0.0.1:9180"), ("X-Tag", "a"), ("x-tag", "b")])
        #expect(Self.verify(request) == .success("AKIAADMINEXAMPLE"))
        var reordered = request
        reordered.headers.swapAt(1, 2)
        #expect(Self.verify(reordered) == .failure(.signatureMismatch))
    }

    /// The query is decoded and encoded again: lower-case escapes and raw UTF-8 sign like the
    /// encoding the client used; a raw `+` is a plus, not a space.
    @Test func receivedQueryIsCanonicalizedLikeTheClientEncodedIt() throws {
        let request = try Self.signed(query: [("Marker", "café page/2"), ("MaxItems", "10")])
        #expect(request.target.hasSuffix("?Marker=caf%C3%A9%20page%2F2&MaxItems=10"))
        #expect(Self.verify(request) == .success("AKIAADMINEXAMPLE"))
        var variant = request
        for target in [
            "/2020-05-31/distribution/E1/invalidation?MaxItems=10&Marker=caf%c3%a9%20page%2f2",
            "/2020-05-31/distribution/E1/invalidation?Marker=café%20page/2&MaxItems=10",
            "/2020-05-31/distribution/E1/invalidation?&Marker=caf%C3%A9%20page%2F2&&MaxItems=10&",
        ] {
            variant.target = target
            #expect(Self.verify(variant) == .success("AKIAADMINEXAMPLE"), "\(target)")
        }
        variant.target = "/2020-05-31/distribution/E1/invalidation?Marker=caf%C3%A9+page%2F2&MaxItems=10"
        #expect(Self.verify(variant) == .failure(.signatureMismatch))
        #expect(CanonicalQuery.make(receivedQuery: "b=2&a&c=%7e+") == "a=&b=2&c=~%2B")
    }

    /// The path is normalized and encoded once more, as botocore does for services other than S3.
    @Test func receivedPathIsCanonicalizedByTheGenericRules() throws {
        let request = try Self.signed(path: "/2020-05-31/distribution/E1/invalidation/ID%201")
        #expect(Self.verify(request) == .success("AKIAADMINEXAMPLE"))
        let verifier = SigV4Verifier(region: "us-east-1", service: "cloudfront")
        let checked = try verifier.check(request, now: Self.signedAt)
        let rebuilt = try verifier.canonicalSignature(request, checked, secret: Self.credentials.secretAccessKey)
        #expect(rebuilt.canonicalRequest.split(separator: "\n")[1] == "/2020-05-31/distribution/E1/invalidation/ID%25201")
        var dotted = request
        dotted.target = "/2020-05-31/./distribution/E1/x/../invalidation//ID%201?MaxItems=10"
        #expect(Self.verify(dotted) == .success("AKIAADMINEXAMPLE"))
    }

    @Test func failuresDescribeTheCauseForTheLog() {
        #expect(SigV4VerificationFailure.requestTooOld.description.contains("15 minutes"))
        #expect(SigV4VerificationFailure.wrongScope(.region).description.contains("region"))
        #expect(SigV4VerificationFailure.signedHeaderMissing("x-admin-note").description.contains("x-admin-note"))
    }

    @Test func receivedRequestDescriptionRedactsCredentials() throws {
        let request = try Self.signed(credentials: SigV4Credentials(
            accessKeyID: Self.credentials.accessKeyID, secretAccessKey: Self.credentials.secretAccessKey, sessionToken: "TOKEN-SECRET"
        ))
        let signature = try #require(request.values(of: "authorization").first?.components(separatedBy: "Signature=").last)
        #expect(!request.description.contains(signature))
        #expect(!request.description.contains("TOKEN-SECRET"))
        #expect(request.description.contains("/2020-05-31/distribution/E1/invalidation?MaxItems=10"))
    }

    @Test func amzDateParsingRoundTripsOnlyRealTimes() {
        #expect(SigV4Timestamp.instant(parsing: "20261129T140731Z") == Self.signedAt)
        #expect(SigV4Timestamp.instant(parsing: "20240229T235959Z") == amzDate("20240229T235959Z"))
        for bad in ["20230229T000000Z", "20261300T000000Z", "20261129T140760Z", "2026112 T140731Z", "+0261129T140731Z"] {
            #expect(SigV4Timestamp.instant(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([0, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([UInt8](), []))
        #expect(!ConstantTime.equals([], [0]))
        #expect(ConstantTime.equals("abc".utf8, Array("abc".utf8)))
    }
}
