internal import COpenSSL

/// A PEM file of trusted CA certificates, as an origin's `ca_file` names it.
public enum CertificateBundle {
    /// The number of certificates in the PEM file at `path`, or why it holds none that OpenSSL
    /// can use (so `check-config` catches a wrong file, rather than every origin request).
    public static func count(atPath path: String) -> Result<Int, TLSError> {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else {
            return .failure(TLSError.fromQueue("cannot open \(path)"))
        }
        defer { BIO_free(bio) }
        var certificates = 0
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            X509_free(certificate)
            certificates += 1
        }
        // The loop ends with "no start line" at the end of the file; that is not an error.
        ERR_clear_error()
        guard certificates > 0 else {
            return .failure(TLSError(operation: "\(path) holds no PEM certificate (BEGIN CERTIFICATE)", reasons: []))
        }
        return .success(certificates)
    }
}
