/// Decides whether a request to a restricted path carries a valid CloudFront signed URL or
/// signed cookies, as CloudFront does, so URLs and cookies made by AWS's signers (botocore's
/// `CloudFrontSigner`, `aws cloudfront sign`, the other SDKs) work unchanged.
///
/// Pure: the caller passes the URL, the cookies, the viewer's address and the time. The order
/// of the work keeps refusals cheap and the log honest:
/// 1. find the signing fields: in the query when it has any of `Expires`, `Policy`,
///    `Signature`, `Key-Pair-Id` (then cookies are ignored, CloudFront's rule), else in the
///    `CloudFront-*` cookies;
/// 2. decode them, look up the key, and build the signed bytes (the canned statement, or the
///    decoded `Policy`);
/// 3. check the signature, unless the store's cache already holds these exact bytes verified;
/// 4. check the policy's conditions against this request.
public enum SignedRequestVerifier {
    /// Longest `Policy` value read: the CloudFront base64 of `PolicyJSONReader.maximumBytes`.
    static let maximumEncodedPolicyBytes = (PolicyJSONReader.maximumBytes + 2) / 3 * 4
    /// Longest `Signature` value read: an RSA-16384 signature, well above any real key.
    static let maximumEncodedSignatureBytes = 2736

    /// `url` as requested, `cookies` as name/value pairs from the `Cookie` header (only the
    /// `CloudFront-*` ones matter; values may be quoted or percent-encoded), `clientIP` the
    /// viewer's address (nil when unknown: a policy with `IpAddress` then refuses), `now` in
    /// seconds since the epoch.
    public static func verify(
        url: ViewerURL, cookies: [(name: String, value: String)], clientIP: IPAddress?, now: Int64,
        keys: TrustedKeyStore
    ) -> Result<Grant, Denial> {
        let fields: SignedFields
        switch SignedFields.find(url: url, cookies: cookies) {
        case .success(let found): fields = found
        case .failure(let denial): return .failure(denial)
        }
        return verify(fields, url: url, clientIP: clientIP, now: now, keys: keys)
    }

    private static func verify(
        _ fields: SignedFields, url: ViewerURL, clientIP: IPAddress?, now: Int64, keys: TrustedKeyStore
    ) -> Result<Grant, Denial> {
        typealias Field = SigningParameters.QueryField
        func missing(_ field: Field) -> Denial { .malformed("no \(field.name(in: fields.source))") }

        guard let encodedSignature = fields[.signature] else { return .failure(missing(.signature)) }
        guard let keyIDBytes = fields[.keyPairID] else { return .failure(missing(.keyPairID)) }
        let expires = fields[.expires]
        let encodedPolicy = fields[.policy]
        if expires != nil, encodedPolicy != nil {
            return .failure(.malformed("both \(Field.expires.name(in: fields.source)) and \(Field.policy.name(in: fields.source))"))
        }
        guard expires != nil || encodedPolicy != nil else {
            return .failure(.malformed("neither \(Field.expires.name(in: fields.source)) nor \(Field.policy.name(in: fields.source))"))
        }

        let hash: HashAlgorithm
        switch fields[.hashAlgorithm] {
        case nil: hash = .sha1
        case let name?:
            guard let named = HashAlgorithm(rawValue: String(decoding: name, as: UTF8.self)) else {
                return .failure(.unsupportedHashAlgorithm)
            }
            hash = named
        }

        guard encodedSignature.count <= maximumEncodedSignatureBytes, let signature = CloudFrontBase64.decode(encodedSignature),
            !signature.isEmpty
        else {
            return .failure(.malformed("\(Field.signature.name(in: fields.source)) is not CloudFront base64"))
        }
        guard let key = keys.key(id: String(decoding: keyIDBytes, as: UTF8.self)) else { return .failure(.unknownKeyID) }
        if key.kind == .ecdsaP256, hash != .sha256 { return .failure(.unsupportedHashAlgorithm) }

        let resource = url.resourceBytes()
        let message: [UInt8]
        let canned: Int64?
        if let expires {
            guard let seconds = decimalSeconds(expires) else {
                return .failure(.malformed("\(Field.expires.name(in: fields.source)) is not a whole number of seconds"))
            }
            canned = seconds
            message = CannedPolicy.statement(resource: resource, expires: expires)
        } else {
            guard let encodedPolicy, encodedPolicy.count <= maximumEncodedPolicyBytes,
                let decoded = CloudFrontBase64.decode(encodedPolicy), !decoded.isEmpty
            else {
                return .failure(.malformed("\(Field.policy.name(in: fields.source)) is not CloudFront base64 of at most \(PolicyJSONReader.maximumBytes) bytes"))
            }
            canned = nil
            message = decoded
        }

        let cacheKey = VerificationCache.Key(keyID: key.id, hash: hash, signature: signature, message: message)
        let statement: PolicyStatement
        if let cached = keys.cache.lookup(cacheKey) {
            statement = cached
        } else {
            if let canned {
                statement = PolicyStatement(resource: nil, dateLessThan: canned)
            } else {
                do {
                    statement = try PolicyStatement.parseCustom(message)
                } catch {
                    return .failure(.malformed(error.reason))
                }
            }
            guard key.verify(signature: signature, message: message, hash: hash) else { return .failure(.badSignature) }
            keys.cache.insert(cacheKey, statement)
        }

        if let denial = statement.evaluate(resourceURL: resource, clientIP: clientIP, now: now) {
            return .failure(denial)
        }
        return .success(Grant(
            source: fields.source, policy: canned == nil ? .custom : .canned, keyPairID: key.id,
            hashAlgorithm: hash, expires: statement.dateLessThan
        ))
    }

    /// `Expires`: ASCII digits only (no sign, no spaces), at most 12 of them (year 33658).
    private static func decimalSeconds(_ bytes: [UInt8]) -> Int64? {
        guard (1...12).contains(bytes.count) else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard let digit = ASCII.decimalValue(byte) else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
}

/// The canned policy statement: the exact bytes a signer signs for `Expires`.
enum CannedPolicy {
    private static let head = Array(#"{"Statement":[{"Resource":""#.utf8)
    private static let middle = Array(#"","Condition":{"DateLessThan":{"AWS:EpochTime":"#.utf8)
    private static let tail = Array("}}}]}".utf8)

    /// `{"Statement":[{"Resource":"<resource>","Condition":{"DateLessThan":{"AWS:EpochTime":<expires>}}}]}`.
    ///
    /// The resource is written as a JSON string the way botocore's `json.dumps` writes it for
    /// `"`, `\` and control characters (they do not occur in URLs that browsers send, but
    /// nothing stops a client sending them): escaped, they cannot close the string early and
    /// make the canned statement equal to some other signed policy.
    static func statement(resource: [UInt8], expires: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(head.count + resource.count + middle.count + expires.count + tail.count)
        output.append(contentsOf: head)
        if !resource.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: resource)
        } else {
            appendEscaped(resource, to: &output)
        }
        output.append(contentsOf: middle)
        output.append(contentsOf: expires)
        output.append(contentsOf: tail)
        return output
    }

    private static func appendEscaped(_ resource: [UInt8], to output: inout [UInt8]) {
        for byte in resource {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// The signing fields of one request, from the query or from the cookies, percent-decoded.
struct SignedFields {
    typealias Field = SigningParameters.QueryField

    var source: Grant.Source
    private var values: [[UInt8]?] = Array(repeating: nil, count: Field.allCases.count)

    subscript(field: Field) -> [UInt8]? { values[field.rawValue] }

    private init(source: Grant.Source) {
        self.source = source
    }

    static func find(url: ViewerURL, cookies: [(name: String, value: String)]) -> Result<SignedFields, Denial> {
        if var query = url.query {
            var fields = SignedFields(source: .url)
            var problem: Denial? = nil
            var signed = false
            query.withUTF8 { buffer in
                SigningParameters.forEachPair(in: buffer) { _, value, field in
                    guard let field, problem == nil else { return }
                    if field != .hashAlgorithm { signed = true }
                    problem = fields.set(field, raw: value)
                }
            }
            if signed {
                if let problem { return .failure(problem) }
                return .success(fields)
            }
        }
        var fields = SignedFields(source: .cookies)
        var signed = false
        for cookie in cookies {
            guard let field = Field(cookieName: cookie.name) else { continue }
            if field != .hashAlgorithm { signed = true }
            var value = cookie.value
            let problem = value.withUTF8 { buffer -> Denial? in
                var raw = buffer[...]
                // RFC 6265 allows a cookie value in double quotes.
                if raw.count >= 2, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\"") {
                    raw = raw.dropFirst().dropLast()
                }
                return fields.set(field, raw: raw)
            }
            if let problem { return .failure(problem) }
        }
        return signed ? .success(fields) : .failure(.missing)
    }

    private mutating func set(_ field: Field, raw: SigningParameters.Bytes) -> Denial? {
        guard values[field.rawValue] == nil else { return .malformed("\(field.name(in: source)) appears more than once") }
        guard let decoded = SignedFields.percentDecoded(raw) else {
            return .malformed("\(field.name(in: source)) has a broken percent-escape")
        }
        values[field.rawValue] = decoded
        return nil
    }

    private static func percentDecoded(_ raw: SigningParameters.Bytes) -> [UInt8]? {
        guard raw.contains(UInt8(ascii: "%")) else { return Array(UnsafeBufferPointer(rebasing: raw)) }
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 2 < raw.endIndex, let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2]) else {
                return nil
            }
            output.append(high << 4 | low)
            index += 3
        }
        return output
    }
}
