/// One entry of a distribution's `trusted_keys:`: a public key whose CloudFront signed URLs
/// and signed cookies the distribution accepts (a CloudFront trusted key group's member).
/// The key itself is read by the server (EdgeTLS); the loader only checks that the file can be
/// read, and `check-config` judges its type and size.
public struct TrustedKeySettings: Sendable, Equatable {
    /// Key `id` (required): the Key-Pair-Id signers put in URLs (`Key-Pair-Id=`) and cookies
    /// (`CloudFront-Key-Pair-Id`). Upper-case letters and digits: CloudFront public key ids
    /// (`K2JCJMDEHXQW5F`) and legacy key pair ids (`APKA…`) alike. Unique within a distribution.
    public var id: String
    /// Key `public_key` (required): a PEM file holding the public key (`BEGIN PUBLIC KEY`), RSA
    /// of at least 2048 bits or ECDSA P-256, resolved against the configuration file's
    /// directory; it must be readable when the configuration is loaded.
    public var publicKeyPath: String
    /// Line of the list item (`- id: ...`).
    public var line: Int
    /// Line of the `public_key` value, where problems with the key file are reported.
    public var publicKeyLine: Int

    public init(id: String, publicKeyPath: String, line: Int = 0, publicKeyLine: Int = 0) {
        self.id = id
        self.publicKeyPath = publicKeyPath
        self.line = line
        self.publicKeyLine = publicKeyLine
    }
}
