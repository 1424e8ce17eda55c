internal import COpenSSL
internal import COpenSSLShims

/// A freshly generated self-signed certificate and its key, both PEM.
///
/// Used for the local default (`s3edge make-cert`) and by tests, which must generate their own
/// certificates rather than ship fixed ones that expire.
public struct SelfSignedCertificate: Sendable {
    public enum KeyType: Sendable, Equatable {
        case rsa(bits: Int)
        case ecdsaP256
    }

    public var certificatePEM: String
    public var privateKeyPEM: String

    /// - Parameters:
    ///   - names: DNS names and IP addresses for the subjectAltName; the first is also the CN.
    ///   - notBeforeOffset: seconds from now when validity starts (negative: in the past).
    ///   - lifetime: seconds of validity from `notBefore`.
    public static func generate(
        names: [String],
        keyType: KeyType = .ecdsaP256,
        notBeforeOffset: Int = -3600,
        lifetime: Int = 365 * 86_400
    ) throws(TLSError) -> SelfSignedCertificate {
        ERR_clear_error()
        let key: OpaquePointer? = switch keyType {
        case .rsa(let bits): s3edge_EVP_RSA_gen(UInt32(bits))
        case .ecdsaP256: s3edge_EVP_EC_gen("P-256")
        }
        guard let key else { throw TLSError.fromQueue("generating key") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw TLSError.fromQueue("allocating certificate") }
        defer { X509_free(certificate) }

        X509_set_version(certificate, 2)
        var serial: UInt64 = 0
        withUnsafeMutableBytes(of: &serial) { _ = RAND_bytes($0.baseAddress, 8) }
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial >> 1)
        X509_gmtime_adj(X509_getm_notBefore(certificate), notBeforeOffset)
        X509_gmtime_adj(X509_getm_notAfter(certificate), notBeforeOffset + lifetime)
        X509_set_pubkey(certificate, key)
        let name = X509_get_subject_name(certificate)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, names.first ?? "localhost", -1, -1, 0)
        X509_set_issuer_name(certificate, name)

        let altNames = names.map { isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
        try addExtension(NID_subject_alt_name, altNames, to: certificate)
        try addExtension(NID_ext_key_usage, "serverAuth", to: certificate)
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw TLSError.fromQueue("signing certificate") }

        return SelfSignedCertificate(
            certificatePEM: try pem { PEM_write_bio_X509($0, certificate) },
            privateKeyPEM: try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        )
    }

    private static func addExtension(_ nid: Int32, _ value: String, to certificate: OpaquePointer) throws(TLSError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
        guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
            throw TLSError.fromQueue("building certificate extension \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        X509_add_ext(certificate, ext, -1)
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws(TLSError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.fromQueue("allocating BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.fromQueue("writing PEM") }
        let length = Int(BIO_ctrl_pending(bio))
        var bytes = [UInt8](repeating: 0, count: length)
        _ = BIO_read(bio, &bytes, Int32(length))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isIPAddress(_ name: String) -> Bool {
        name.contains(":") || name.split(separator: ".").count == 4 && name.allSatisfy { $0.isNumber || $0 == "." }
    }
}
