import EdgeOrigin
import Foundation
import Testing

/// Secrets never reach descriptions, debug descriptions or `dump`.
@Suite struct RedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLEsessiontoken"
    static let credentials = SigV4Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token)
    static let request = SigV4Request(path: "/k", headers: [("Host", "h.example")])
    static let date = amzDate("20260314T092653Z")

    /// Every way a value commonly gets printed.
    func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }

    @Test func credentialsPrintOnlyTheAccessKeyID() {
        #expect("\(Self.credentials)" == "AKIAIOSFODNN7EXAMPLE/**** (session token ****)")
        #expect("\(SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret))" == "AKIDEXAMPLE/****")
        for text in renderings(Self.credentials) {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
            #expect(text.contains("AKIAIOSFODNN7EXAMPLE"))
        }
    }

    @Test func signedRequestHidesTheTokenAndAuthorization() throws {
        let signed = try SigV4Signer(region: "eu-west-2").sign(Self.request, credentials: Self.credentials, date: Self.date)
        #expect(signed.canonicalRequest.contains(Self.token))
        for text in renderings(signed) {
            #expect(!text.contains(Self.token))
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(signed.signature))
        }
    }

    @Test func presignedRequestHidesTheTokenAndSignature() throws {
        let presigned = try SigV4Signer(region: "eu-west-2").presign(
            Self.request, credentials: Self.credentials, date: Self.date, expires: .seconds(60)
        )
        #expect(presigned.query.contains(Self.token))
        for text in renderings(presigned) {
            #expect(!text.contains(Self.token))
            #expect(!text.contains(presigned.signature))
        }
        #expect("\(presigned)".contains("X-Amz-Security-Token=****"))
    }

    @Test func requestHidesCredentialHeaders() {
        var request = Self.request
        request.headers.append(("X-Amz-Security-Token", Self.token))
        #expect(!"\(request)".contains(Self.token))
        #expect("\(request)".contains("X-Amz-Security-Token: ****"))
    }
}
