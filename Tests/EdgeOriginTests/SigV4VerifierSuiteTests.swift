import EdgeOrigin
import Foundation
import Testing

/// `SigV4Verifier` on every signed request (header form) of both AWS suites
/// (`Fixtures/sigv4`): the classic suite's `.sreq` files and the CRT suite's
/// `header-signed-request.txt`, fed as received, with the suite's secret and time.
@Suite struct SigV4VerifierSuiteTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let accessKeyID = "AKIDEXAMPLE"
    static let date = amzDate("20150830T123600Z")

    struct SignedCase: Sendable, CustomTestStringConvertible {
        var suite: String
        var name: String
        var file: String
        /// The failure the case must give, or `nil` for success.
        var expectedFailure: SigV4VerificationFailure?
        var testDescription: String { "\(suite)/\(name)" }
    }

    static let classicCases: [SignedCase] = (AWS4TestSuiteTests.sameUnderBothRules + AWS4TestSuiteTests.normalizedOnly
        + AWS4TestSuiteTests.notS3Behaviour).sorted().map { name in
        let leaf = name.split(separator: "/").last.map(String.init) ?? name
        return SignedCase(
            suite: "aws4_testsuite", name: name, file: "sigv4/aws4_testsuite/\(name)/\(leaf).sreq",
            // That .sreq carries get-vanilla's signature (see PROVENANCE.md): it must not verify.
            expectedFailure: name == "get-vanilla-with-session-token" ? .signatureMismatch : nil
        )
    }

    static let crtCases: [SignedCase] = AWSSigningTestSuiteTests.allCases.map { name in
        // Signed without normalization where normalizing changes the path: the verifier applies the
        // generic rules (as AWS services other than S3 do), so those signatures must not verify.
        let normalizedSibling = name.replacingOccurrences(of: "-unnormalized", with: "-normalized")
        let signedUnnormalized = name.hasSuffix("-unnormalized") && AWSSigningTestSuiteTests.normalizedOnly.contains(normalizedSibling)
        return SignedCase(
            suite: "aws-signing-test-suite-v4", name: name,
            file: "sigv4/aws-signing-test-suite-v4/\(name)/header-signed-request.txt",
            expectedFailure: signedUnnormalized ? .signatureMismatch : nil
        )
    }

    static let allCases = classicCases + crtCases
    static let verifiableCases = allCases.filter { $0.expectedFailure == nil }

    static func request(_ signedCase: SignedCase) throws -> HTTPRequestFile {
        HTTPRequestFile(try FixtureFiles.text(signedCase.file))
    }

    static func verify(
        _ request: SigV4ReceivedRequest, now: Date = date, secret: String = secret,
        verifier: SigV4Verifier = SigV4Verifier(region: "us-east-1", service: "service")
    ) -> Result<String, SigV4VerificationFailure> {
        verifier.verify(request, now: now) { $0 == accessKeyID ? secret : nil }
    }

    @Test func everySignedRequestOfBothSuitesIsCovered() throws {
        #expect(Self.classicCases.count == 34)
        #expect(Self.crtCases.count == 38)
        #expect(Self.allCases.filter { $0.expectedFailure != nil }.map(\.name).sorted() == [
            "get-relative-relative-unnormalized", "get-relative-unnormalized", "get-slash-dot-slash-unnormalized",
            "get-slash-pointless-dot-unnormalized", "get-slash-unnormalized", "get-slashes-unnormalized",
            "get-vanilla-with-session-token",
        ])
    }

    @Test(arguments: allCases)
    func verifiesTheSuitesSignedRequest(_ signedCase: SignedCase) throws {
        let result = Self.verify(try Self.request(signedCase).received)
        if let failure = signedCase.expectedFailure {
            #expect(result == .failure(failure))
        } else {
            #expect(result == .success(Self.accessKeyID))
        }
    }

    /// The defective `.sreq` with the Authorization value from the case's `.authz` verifies.
    @Test func sessionTokenCaseVerifiesWithItsCorrectAuthorization() throws {
        let base = "sigv4/aws4_testsuite/get-vanilla-with-session-token/get-vanilla-with-session-token"
        var request = HTTPRequestFile(try FixtureFiles.text(base + ".sreq"))
        let authorization = try FixtureFiles.text(base + ".authz")
        request.headers = request.headers.map { $0.name == "Authorization" ? ($0.name, authorization) : $0 }
        #expect(Self.verify(request.received) == .success(Self.accessKeyID))
    }

    @Test(arguments: verifiableCases)
    func aWrongSecretIsASignatureMismatch(_ signedCase: SignedCase) throws {
        let request = try Self.request(signedCase).received
        #expect(Self.verify(request, secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ") == .failure(.signatureMismatch))
    }

    @Test(arguments: verifiableCases)
    func aChangedPathIsASignatureMismatch(_ signedCase: SignedCase) throws {
        var request = try Self.request(signedCase).received
        let path = request.target.prefix { $0 != "?" }
        request.target = changingLastCharacter(of: String(path)) + request.target.dropFirst(path.count)
        #expect(Self.verify(request) == .failure(.signatureMismatch), "target \(request.target)")
    }

    @Test(arguments: verifiableCases.filter { (try? request($0).target.split(separator: "?").count) == 2 })
    func aChangedQueryIsASignatureMismatch(_ signedCase: SignedCase) throws {
        var request = try Self.request(signedCase).received
        let parts = request.target.split(separator: "?", maxSplits: 1)
        request.target = parts[0] + "?" + changingLastCharacter(of: String(parts[1]))
        #expect(Self.verify(request) == .failure(.signatureMismatch), "target \(request.target)")
    }

    /// Every signed header but `x-amz-date` (whose change is a date failure), one at a time.
    @Test(arguments: verifiableCases)
    func aChangedSignedHeaderIsASignatureMismatch(_ signedCase: SignedCase) throws {
        let original = try Self.request(signedCase).received
        let signedNames = try signedHeaderNames(original)
        #expect(signedNames.contains("host"))
        for name in signedNames where name != "x-amz-date" {
            var request = original
            let index = try #require(request.headers.lastIndex { $0.name.lowercased() == name })
            request.headers[index].value = changingLastCharacter(of: request.headers[index].value)
            #expect(Self.verify(request) == .failure(.signatureMismatch), "header \(name)")
        }
    }

    @Test(arguments: verifiableCases.filter { (try? request($0).body.isEmpty) == false })
    func aChangedBodyIsRefused(_ signedCase: SignedCase) throws {
        let file = try Self.request(signedCase)
        var body = file.body
        body[body.count - 1] ^= 0x01
        let request = SigV4ReceivedRequest(method: file.method, target: file.target, headers: file.headers, body: body)
        // With x-amz-content-sha256 signed the signature still holds, and the hash catches the change.
        let declaresHash = file.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" }
        #expect(Self.verify(request) == .failure(declaresHash ? .payloadHashMismatch : .signatureMismatch))
    }

    @Test(arguments: verifiableCases)
    func sixteenMinutesLaterIsTooOldAndEarlierTooFarInFuture(_ signedCase: SignedCase) throws {
        let request = try Self.request(signedCase).received
        #expect(Self.verify(request, now: Self.date.addingTimeInterval(16 * 60)) == .failure(.requestTooOld))
        #expect(Self.verify(request, now: Self.date.addingTimeInterval(-16 * 60)) == .failure(.requestTooFarInFuture))
        #expect(Self.verify(request, now: Self.date.addingTimeInterval(14 * 60)) == .success(Self.accessKeyID))
    }

    /// A credential scoped to `s3` does not verify for `cloudfront`, nor the suite's `service`
    /// scope for `cloudfront`, nor another region.
    @Test(arguments: verifiableCases)
    func aScopeForAnotherServiceOrRegionIsWrongScope(_ signedCase: SignedCase) throws {
        let request = try Self.request(signedCase).received
        let cloudfront = SigV4Verifier(region: "us-east-1", service: "cloudfront")
        #expect(Self.verify(request, verifier: cloudfront) == .failure(.wrongScope(.service)))

        var s3Scoped = request
        s3Scoped.headers = s3Scoped.headers.map { header in
            header.name.lowercased() == "authorization"
                ? (header.name, header.value.replacingOccurrences(of: "/us-east-1/service/", with: "/us-east-1/s3/"))
                : header
        }
        #expect(Self.verify(s3Scoped, verifier: cloudfront) == .failure(.wrongScope(.service)))
        let otherRegion = SigV4Verifier(region: "eu-west-2", service: "service")
        #expect(Self.verify(request, verifier: otherRegion) == .failure(.wrongScope(.region)))
    }
}

/// The names in the `SignedHeaders` parameter of the request's `Authorization` header.
func signedHeaderNames(_ request: SigV4ReceivedRequest) throws -> [String] {
    let authorization = try #require(request.headers.first { $0.name.lowercased() == "authorization" }?.value)
    let parameter = try #require(authorization.split(separator: ",").first { $0.contains("SignedHeaders=") })
    return parameter.split(separator: "=")[1].split(separator: ";").map(String.init)
}

/// `text` with its last non-whitespace character replaced by another letter (or `a` appended when
/// there is none): a change that trimming and whitespace folding cannot undo.
func changingLastCharacter(of text: String) -> String {
    guard let index = text.lastIndex(where: { !$0.isWhitespace }) else { return text + "a" }
    let replacement: Character = text[index] == "a" ? "b" : "a"
    var changed = text
    changed.replaceSubrange(index...index, with: String(replacement))
    return changed
}
