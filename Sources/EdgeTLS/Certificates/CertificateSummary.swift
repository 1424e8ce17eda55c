internal import COpenSSL

/// What an operator needs to know about a loaded certificate: where it came from and when it
/// stops being valid.
public struct CertificateSummary: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String
    /// Subject, one line (`CN=cdn.example.com`).
    public var subject: String
    /// Seconds from now until `notAfter`; negative once expired.
    public var secondsUntilExpiry: Int

    public var isExpired: Bool { secondsUntilExpiry < 0 }

    init(context: OpaquePointer, files: TLSServerConfiguration.CertificateFiles) {
        certificatePath = files.certificatePath
        keyPath = files.keyPath
        guard let certificate = SSL_CTX_get0_certificate(context) else {
            subject = ""
            secondsUntilExpiry = 0
            return
        }
        var buffer = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_subject_name(certificate), &buffer, Int32(buffer.count))
        subject = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var days: Int32 = 0
        var seconds: Int32 = 0
        if ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notAfter(certificate)) == 1 {
            secondsUntilExpiry = Int(days) * 86_400 + Int(seconds)
        } else {
            secondsUntilExpiry = 0
        }
    }
}
