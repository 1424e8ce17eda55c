internal import COpenSSL
internal import COpenSSLShims

/// What `check-config` needs to know about a trusted signer's public key: its type and size,
/// so a key CloudFront-style signatures cannot use (DSA, another curve) or should not use
/// (RSA under 2048 bits) is caught before the first signed request.
public struct PublicKeySummary: Sendable, Equatable {
    public enum KeyType: Sendable, Equatable {
        case rsa
        /// ECDSA on the named curve, OpenSSL's name (`prime256v1` is P-256).
        case ec(curve: String)
        /// Anything else, by OpenSSL's short name (`DSA`, `ED25519`, `RSASSA-PSS`).
        case other(String)
    }

    public var type: KeyType
    /// The key's size in bits (the modulus for RSA, the field for EC).
    public var bits: Int

    /// OpenSSL's name for P-256, the one curve CloudFront signs with.
    public static let p256 = "prime256v1"

    public init(type: KeyType, bits: Int) {
        self.type = type
        self.bits = bits
    }

    /// Reads the first public key of the PEM file at `path`: `BEGIN PUBLIC KEY`
    /// (SubjectPublicKeyInfo, what `openssl pkey -pubout` writes and CloudFront's console takes)
    /// or, as OpenSSL 3 also reads it, `BEGIN RSA PUBLIC KEY` (PKCS#1). A file holding something
    /// else (a private key, a certificate) is refused with the `openssl` command that gives the
    /// public key.
    public static func load(path: String) throws(TLSError) -> PublicKeySummary {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else {
            throw TLSError.fromQueue("cannot open \(path)")
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
            ERR_clear_error()
            throw notAPublicKey(path)
        }
        defer { EVP_PKEY_free(key) }
        let bits = Int(EVP_PKEY_get_bits(key))
        let baseID = EVP_PKEY_get_base_id(key)
        switch baseID {
        case EVP_PKEY_RSA:
            return PublicKeySummary(type: .rsa, bits: bits)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
                throw TLSError.fromQueue("\(path): cannot read the key's curve")
            }
            return PublicKeySummary(type: .ec(curve: string(name)), bits: bits)
        default:
            let shortName = OBJ_nid2sn(baseID).map { String(cString: $0) } ?? "NID \(baseID)"
            return PublicKeySummary(type: .other(shortName), bits: bits)
        }
    }

    /// Why the file gave no `PUBLIC KEY`, by the PEM blocks it does hold.
    private static func notAPublicKey(_ path: String) -> TLSError {
        let labels = pemLabels(path)
        let fix: String
        if labels.contains(where: { $0.hasSuffix("PRIVATE KEY") }) {
            fix = "holds a private key, and the edge needs only the public one: extract it with "
                + "`openssl pkey -in \(path) -pubout -out signer.pub.pem` and keep the private key with the signer"
        } else if labels.contains("CERTIFICATE") {
            fix = "holds a certificate; take its public key with `openssl x509 -in \(path) -pubkey -noout`"
        } else {
            fix = "holds no PEM public key (BEGIN PUBLIC KEY); give the public key of the signers' key pair"
        }
        return TLSError(operation: "\(path) \(fix)", reasons: [])
    }

    /// The labels of the PEM blocks in the file (`PRIVATE KEY`, `CERTIFICATE`, ...).
    private static func pemLabels(_ path: String) -> [String] {
        guard let bio = BIO_new_file(path, "r") else { return [] }
        defer { BIO_free(bio) }
        var labels: [String] = []
        while labels.count < 16 {
            var name: UnsafeMutablePointer<CChar>?
            var header: UnsafeMutablePointer<CChar>?
            var data: UnsafeMutablePointer<UInt8>?
            var length = 0
            guard PEM_read_bio(bio, &name, &header, &data, &length) == 1 else { break }
            if let name { labels.append(String(cString: name)) }
            s3edge_OPENSSL_free(name)
            s3edge_OPENSSL_free(header)
            s3edge_OPENSSL_free(data)
        }
        ERR_clear_error()
        return labels
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
