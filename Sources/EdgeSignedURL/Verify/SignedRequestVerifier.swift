/// Decides whether a request to a restricted path carries a valid CloudFront signed URL or
/// signed cookies, as CloudFront does, so URLs and cookies made by AWS's signers (botocore's
/// `CloudFrontSigner`, `aws cloudfront sign`, the other SDKs) work unchanged.
///
/// Pure: the caller passes the URL, the cookies, the viewer's address and the time. The order
/// of the work keeps refusals cheap and the log honest:
/// 1. find the signing fields: in the query when it has any of `Expires`, `Policy`,
///    `Signature`, `Key-Pair-Id` (then cookies are ignored, CloudFront's rule), else in the
///    `CloudFront-*` cookies; the same pass over the query builds the resource URL;
/// 2. look the fields up, as sent, in the store's cache of verified signatures: a hit skips 3;
/// 3. decode them, look up the key, build the signed bytes (the canned statement, or the
///    decoded `Policy`) and check the signature;
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
        verify(url: url, cookies: .pairs(cookies), clientIP: clientIP, now: now, keys: keys)
    }

    /// As `verify(url:cookies:clientIP:now:keys:)`, with the request's `Cookie` field values as
    /// received: they are split (`;`-separated `name=value` items) only when the URL carries no
    /// signature, and only the `CloudFront-*` items are copied.
    public static func verify(
        url: ViewerURL, cookieHeaders: [String], clientIP: IPAddress?, now: Int64, keys: TrustedKeyStore
    ) -> Result<Grant, Denial> {
        verify(url: url, cookies: .headers(cookieHeaders), clientIP: clientIP, now: now, keys: keys)
    }

    /// As `verify(url:cookieHeaders:clientIP:now:keys:)`, for a request as it arrived on a
    /// connection (`target` the raw request target, path and query), remembering grants in the
    /// connection's `memo`: a request repeating a remembered one byte for byte only has its time
    /// conditions checked again (``SignedRequestMemo``).
    public static func verify(
        scheme: String, host: String, target: String, cookieHeaders: [String], clientIP: IPAddress?, now: Int64,
        keys: TrustedKeyStore, memo: SignedRequestMemo
    ) -> Result<Grant, Denial> {
        if let recalled = memo.recall(keys: keys, scheme: scheme, host: host, target: target, cookieHeaders: cookieHeaders,
                                      clientIP: clientIP, now: now) {
            return recalled
        }
        let url = ViewerURL(scheme: scheme, host: host, target: target)
        let result = verifyStatement(url: url, cookies: .headers(cookieHeaders), clientIP: clientIP, now: now, keys: keys)
        guard case .success(let (grant, statement)) = result else { return result.map(\.0) }
        memo.remember(grant, notBefore: statement.dateGreaterThan, keys: keys, scheme: scheme, host: host, target: target,
                      cookieHeaders: cookieHeaders, clientIP: clientIP)
        return .success(grant)
    }

    private static func verify(
        url: ViewerURL, cookies: SignedFields.Cookies, clientIP: IPAddress?, now: Int64, keys: TrustedKeyStore
    ) -> Result<Grant, Denial> {
        verifyStatement(url: url, cookies: cookies, clientIP: clientIP, now: now, keys: keys).map(\.0)
    }

    /// The grant, and the statement it came from (for its time conditions).
    private static func verifyStatement(
        url: ViewerURL, cookies: SignedFields.Cookies, clientIP: IPAddress?, now: Int64, keys: TrustedKeyStore
    ) -> Result<(Grant, PolicyStatement), Denial> {
        let fields: SignedFields
        switch SignedFields.find(url: url, cookies: cookies) {
        case .success(let found): fields = found
        case .failure(let denial): return .failure(denial)
        }
        let statement: PolicyStatement
        let kind: Grant.PolicyKind
        let keyID: String
        let hash: HashAlgorithm
        switch signedStatement(fields, keys: keys) {
        case .success(let signed): (statement, kind, keyID, hash) = signed
        case .failure(let denial): return .failure(denial)
        }
        if let denial = statement.evaluate(resourceURL: fields.resource, clientIP: clientIP, now: now) {
            return .failure(denial)
        }
        let grant = Grant(
            source: fields.source, policy: kind, keyPairID: keyID, hashAlgorithm: hash,
            expires: statement.dateLessThan, target: target(fields.resource, after: url.resourcePrefixCount)
        )
        return .success((grant, statement))
    }

    /// The policy statement the fields carry, once their signature is known good: from the
    /// store's cache when these exact fields verified before (no base64 decoding, no JSON, no
    /// public-key operation), else checked and remembered.
    private static func signedStatement(
        _ fields: SignedFields, keys: TrustedKeyStore
    ) -> Result<(PolicyStatement, Grant.PolicyKind, String, HashAlgorithm), Denial> {
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

        // The cache holds what the message is made of, as sent: a hit decodes and builds nothing.
        let keyID = String(decoding: keyIDBytes, as: UTF8.self)
        let kind: Grant.PolicyKind = expires != nil ? .canned : .custom
        let cacheKey = VerificationCache.Key(
            keyID: keyID, hash: hash, kind: kind, signature: encodedSignature,
            policy: expires ?? encodedPolicy ?? [], resource: expires != nil ? fields.resource[...] : []
        )
        func notBase64() -> Denial { .malformed("\(Field.signature.name(in: fields.source)) is not CloudFront base64") }
        guard encodedSignature.count <= maximumEncodedSignatureBytes else { return .failure(notBase64()) }
        if let cached = keys.cache.lookup(cacheKey) { return .success((cached, kind, keyID, hash)) }

        guard let signature = CloudFrontBase64.decode(encodedSignature), !signature.isEmpty else { return .failure(notBase64()) }
        guard let key = keys.key(id: keyID) else { return .failure(.unknownKeyID) }
        if key.kind == .ecdsaP256, hash != .sha256 { return .failure(.unsupportedHashAlgorithm) }

        let message: [UInt8]
        let statement: PolicyStatement
        if let expires {
            guard let seconds = decimalSeconds(expires) else {
                return .failure(.malformed("\(Field.expires.name(in: fields.source)) is not a whole number of seconds"))
            }
            message = CannedPolicy.statement(resource: fields.resource, expires: expires)
            statement = PolicyStatement(resource: nil, dateLessThan: seconds)
        } else {
            guard let encodedPolicy, encodedPolicy.count <= maximumEncodedPolicyBytes,
                let decoded = CloudFrontBase64.decode(encodedPolicy), !decoded.isEmpty
            else {
                return .failure(.malformed("\(Field.policy.name(in: fields.source)) is not CloudFront base64 of at most \(PolicyJSONReader.maximumBytes) bytes"))
            }
            message = decoded
            do {
                statement = try PolicyStatement.parseCustom(decoded)
            } catch {
                return .failure(.malformed(error.reason))
            }
        }
        guard key.verify(signature: signature, message: message, hash: hash) else { return .failure(.badSignature) }
        keys.cache.insert(cacheKey, statement)
        return .success((statement, kind, key.id, hash))
    }

    /// The request target the grant lets through: the resource after `scheme://host`, without a
    /// `?` that nothing follows (the query held only signing parameters).
    private static func target(_ resource: [UInt8], after prefix: Int) -> String {
        var end = resource.endIndex
        if end > prefix, resource[end - 1] == UInt8(ascii: "?") { end -= 1 }
        return String(decoding: resource[prefix..<end], as: UTF8.self)
    }

    /// `Expires`: ASCII digits only (no sign, no spaces), at most 12 of them (year 33658).
    private static func decimalSeconds(_ bytes: ArraySlice<UInt8>) -> Int64? {
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
    static func statement(resource: [UInt8], expires: some Collection<UInt8>) -> [UInt8] {
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
