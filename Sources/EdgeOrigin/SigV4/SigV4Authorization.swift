internal import EdgeTLS

/// The parts of a received `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
/// Signature=…` header, checked for shape only (nothing here knows the secret or the clock).
struct SigV4Authorization: Sendable, Equatable {
    var accessKeyID: String
    /// The scope's `YYYYMMDD`.
    var scopeDate: String
    var region: String
    var service: String
    /// The lower-case names of `SignedHeaders`, in the (sorted) order given.
    var signedHeaders: [String]
    /// `SignedHeaders` exactly as given: it is a line of the canonical request.
    var signedHeadersText: String
    /// 64 hex digits as given; a wrong case is left to the comparison, which then fails.
    var signature: String

    /// Parses `value`. The parameters may come in any order, separated by `,` and optional
    /// spaces; each must appear exactly once and no other may appear.
    init(parsing value: String) throws(SigV4VerificationFailure) {
        let trimmed = CanonicalHeaders.trimmed(value)
        guard let space = trimmed.firstIndex(of: " ") else {
            throw trimmed == SigV4Signer.algorithm ? .malformedAuthorization : .unsupportedAlgorithm
        }
        guard trimmed[..<space] == SigV4Signer.algorithm else { throw .unsupportedAlgorithm }

        var parameters: [Substring: Substring] = [:]
        for item in trimmed[trimmed.index(after: space)...].split(separator: ",", omittingEmptySubsequences: false) {
            let parameter = Substring(CanonicalHeaders.trimmed(String(item)))
            guard let equals = parameter.firstIndex(of: "=") else { throw .malformedAuthorization }
            let name = parameter[..<equals]
            guard Self.parameterNames.contains(name), parameters[name] == nil else { throw .malformedAuthorization }
            parameters[name] = parameter[parameter.index(after: equals)...]
        }
        guard let credential = parameters["Credential"], let signedHeaders = parameters["SignedHeaders"],
              let signature = parameters["Signature"]
        else { throw .malformedAuthorization }

        let scope = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard scope.count == 5, scope.allSatisfy({ !$0.isEmpty }), scope[4] == "aws4_request",
              scope[1].utf8.count == 8, scope[1].utf8.allSatisfy(Self.isDigit)
        else { throw .malformedAuthorization }

        let names = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard names.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isLowercaseToken) }),
              zip(names, names.dropFirst()).allSatisfy({ $0.utf8.lexicographicallyPrecedes($1.utf8) })
        else { throw .malformedAuthorization }

        guard signature.utf8.count == 2 * HMACSHA256.byteCount, signature.utf8.allSatisfy(Self.isHexDigit) else {
            throw .malformedAuthorization
        }

        accessKeyID = String(scope[0])
        scopeDate = String(scope[1])
        region = String(scope[2])
        service = String(scope[3])
        self.signedHeaders = names
        signedHeadersText = String(signedHeaders)
        self.signature = String(signature)
    }

    private static let parameterNames: Set<Substring> = ["Credential", "SignedHeaders", "Signature"]
    private static let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// RFC 9110 `tchar` without upper-case letters: what a canonical header name may contain.
    private static func isLowercaseToken(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || tokenSymbols.contains(byte)
    }
}
