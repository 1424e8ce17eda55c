internal import COpenSSL
internal import COpenSSLShims

/// A public key whose signatures a distribution accepts, under the Key-Pair-Id signers put in
/// URLs and cookies.
///
/// Parsed once, when the configuration is loaded; every verification reuses the parsed
/// `EVP_PKEY`. OpenSSL allows one `EVP_PKEY` to be used by many threads at once as long as
/// nobody changes it, and nothing does after loading, so a `TrustedKey` is shared freely.
public struct TrustedKey: Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case rsa(bits: Int)
        case ecdsaP256

        public var description: String {
            switch self {
            case .rsa(let bits): return "RSA \(bits) bits"
            case .ecdsaP256: return "ECDSA P-256"
            }
        }
    }

    /// RSA keys below this size are accepted (CloudFront's own test keys are 1024 bits) but
    /// reported: factoring them is within reach.
    public static let minimumStrongRSABits = 2048

    public let id: String
    public let kind: Kind
    let handle: PublicKeyHandle

    /// Whether `check-config` should warn: an RSA key under 2048 bits.
    public var isWeak: Bool {
        if case .rsa(let bits) = kind { return bits < TrustedKey.minimumStrongRSABits }
        return false
    }

    public var description: String { "\(id) (\(kind))" }

    /// The key in PEM text: `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo, what CloudFront's console
    /// takes and `openssl pkey -pubout` writes), `BEGIN RSA PUBLIC KEY` (PKCS#1), or a
    /// certificate's key. Other PEM blocks before it (`EC PARAMETERS`) are skipped; a private
    /// key is refused.
    public init(id: String, pem: some Collection<UInt8>, source: String = "PEM text") throws(TrustedKeyError) {
        try TrustedKey.checkID(id, source: source)
        let bytes = Array(pem)
        ERR_clear_error()
        let loaded: Result<OpaquePointer, TrustedKeyError.Reason> = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(clamping: buffer.count)) else {
                return .failure(.unreadable("out of memory"))
            }
            defer { BIO_free(bio) }
            return TrustedKey.readPublicKey(bio)
        }
        try self.init(id: id, source: source, loaded: loaded)
    }

    /// The key in the PEM file at `path` (see `init(id:pem:source:)` for the forms).
    public init(id: String, pemFile path: String) throws(TrustedKeyError) {
        try TrustedKey.checkID(id, source: path)
        ERR_clear_error()
        let loaded: Result<OpaquePointer, TrustedKeyError.Reason>
        if let bio = BIO_new_file(path, "r") {
            loaded = TrustedKey.readPublicKey(bio)
            BIO_free(bio)
        } else {
            loaded = .failure(.unreadable(TrustedKey.drainErrorReasons()))
        }
        try self.init(id: id, source: path, loaded: loaded)
    }

    private init(id: String, source: String, loaded: Result<OpaquePointer, TrustedKeyError.Reason>) throws(TrustedKeyError) {
        let key: OpaquePointer
        switch loaded {
        case .success(let pointer): key = pointer
        case .failure(let reason): throw TrustedKeyError(keyID: id, source: source, reason: reason)
        }
        let handle = PublicKeyHandle(key)
        switch TrustedKey.classify(key) {
        case .success(let kind):
            self.id = id
            self.kind = kind
            self.handle = handle
        case .failure(let reason):
            throw TrustedKeyError(keyID: id, source: source, reason: reason)
        }
    }

    /// Key-Pair-Ids are CloudFront's `K…`/`APKA…` ids or names people choose: letters, digits,
    /// `_` and `-` keep them safe in a query string, a cookie and a log line.
    private static func checkID(_ id: String, source: String) throws(TrustedKeyError) {
        let valid = (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
        guard valid else { throw TrustedKeyError(keyID: id, source: source, reason: .invalidID) }
    }

    /// The first public key in the BIO's PEM blocks.
    private static func readPublicKey(_ bio: OpaquePointer) -> Result<OpaquePointer, TrustedKeyError.Reason> {
        defer { ERR_clear_error() }
        while true {
            var name: UnsafeMutablePointer<CChar>? = nil
            var header: UnsafeMutablePointer<CChar>? = nil
            var data: UnsafeMutablePointer<UInt8>? = nil
            var length = 0
            // Ends with "no start line" at the end of the text.
            guard PEM_read_bio(bio, &name, &header, &data, &length) == 1 else { return .failure(.noPEMKey) }
            defer {
                s3edge_OPENSSL_free(name)
                s3edge_OPENSSL_free(header)
                s3edge_OPENSSL_free(data)
            }
            let label = name.map { String(cString: $0) } ?? ""
            guard let data else { continue }
            if label.hasSuffix("PRIVATE KEY") { return .failure(.privateKey(label: label)) }
            switch label {
            case "PUBLIC KEY":
                return decodeWhole(data, length, label) { d2i_PUBKEY(nil, &$0, $1) }
            case "RSA PUBLIC KEY":
                return decodeWhole(data, length, label) { d2i_PublicKey(EVP_PKEY_RSA, nil, &$0, $1) }
            case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
                return decodeWhole(data, length, label) { cursor, count in
                    guard let certificate = d2i_X509(nil, &cursor, count) else { return nil }
                    defer { X509_free(certificate) }
                    return X509_get_pubkey(certificate)
                }
            default:
                continue  // EC PARAMETERS and the like
            }
        }
    }

    /// Runs a `d2i_*` decoder over the DER and insists it consumed all of it.
    private static func decodeWhole(
        _ data: UnsafeMutablePointer<UInt8>, _ length: Int, _ label: String,
        _ decode: (inout UnsafePointer<UInt8>?, Int) -> OpaquePointer?
    ) -> Result<OpaquePointer, TrustedKeyError.Reason> {
        var cursor: UnsafePointer<UInt8>? = UnsafePointer(data)
        guard let key = decode(&cursor, length) else { return .failure(.undecodable(label: label)) }
        // Certificates are decoded as a whole before the key is taken out; a trailing byte
        // after a certificate is as wrong as one after a key.
        if let cursor, cursor != UnsafePointer(data) + length {
            EVP_PKEY_free(key)
            return .failure(.undecodable(label: label))
        }
        return .success(key)
    }

    private static func classify(_ key: OpaquePointer) -> Result<Kind, TrustedKeyError.Reason> {
        if EVP_PKEY_is_a(key, "RSA") == 1 {
            return .success(.rsa(bits: Int(EVP_PKEY_get_bits(key))))
        }
        if EVP_PKEY_is_a(key, "EC") == 1 {
            var buffer = [CChar](repeating: 0, count: 64)
            var written = 0
            let curve = EVP_PKEY_get_group_name(key, &buffer, buffer.count, &written) == 1
                ? String(decoding: buffer.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : "an unnamed curve"
            ERR_clear_error()
            return curve == "prime256v1" || curve == "P-256" ? .success(.ecdsaP256) : .failure(.unsupportedCurve(curve))
        }
        let type = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown"
        return .failure(.unsupportedType(type))
    }

    private static func drainErrorReasons() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            }
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }

    /// Whether `signature` is this key's signature over `message` with `hash`: RSA PKCS#1 v1.5,
    /// or ECDSA with a DER-encoded signature.
    ///
    /// A fresh `EVP_MD_CTX` per call: contexts hold per-operation state and are not shared.
    /// OpenSSL's error queue is emptied before returning, so a refused signature leaves nothing
    /// behind for the next OpenSSL call on this thread (a TLS read on the same event loop reads
    /// that queue).
    func verify(signature: [UInt8], message: [UInt8], hash: HashAlgorithm) -> Bool {
        guard !signature.isEmpty, !message.isEmpty, let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_MD_CTX_free(context)
            ERR_clear_error()
        }
        let digest = hash == .sha1 ? EVP_sha1() : EVP_sha256()
        guard EVP_DigestVerifyInit(context, nil, digest, nil, handle.pointer) == 1 else { return false }
        return signature.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                EVP_DigestVerify(context, signatureBytes.baseAddress, signatureBytes.count, messageBytes.baseAddress, messageBytes.count) == 1
            }
        }
    }
}

/// Owns one `EVP_PKEY` reference.
///
/// `@unchecked Sendable`: the key is never modified after loading, and OpenSSL documents
/// concurrent read-only use of an `EVP_PKEY` (verification from many threads) as safe.
final class PublicKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }
}
