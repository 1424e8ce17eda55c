/// Why a trusted public key cannot be used. The description names the key, the file and the fix,
/// for `check-config` and the reload log.
public struct TrustedKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Error, Sendable, Equatable {
        /// The file cannot be opened or read; OpenSSL's (the system's) reason.
        case unreadable(String)
        /// No PEM public key, certificate or private key in the text.
        case noPEMKey
        /// The PEM block is a private key (its label, e.g. `RSA PRIVATE KEY`).
        case privateKey(label: String)
        /// The PEM block's label promises a key but its contents are not one.
        case undecodable(label: String)
        /// A key of a type CloudFront does not sign with (OpenSSL's name: `DSA`, `ED25519`,
        /// `RSA-PSS`, ...).
        case unsupportedType(String)
        /// An EC key on a curve other than P-256 (OpenSSL's name, e.g. `secp384r1`).
        case unsupportedCurve(String)
        /// The key id is empty or holds characters a Key-Pair-Id never has.
        case invalidID
        /// Two keys share the id.
        case duplicateID
    }

    /// The key's id (the Key-Pair-Id).
    public var keyID: String
    /// The file the key came from, or a short name for in-memory PEM text.
    public var source: String
    public var reason: Reason

    public init(keyID: String, source: String, reason: Reason) {
        self.keyID = keyID
        self.source = source
        self.reason = reason
    }

    public var description: String {
        let subject = "trusted key \(keyID) (\(source))"
        switch reason {
        case .unreadable(let why):
            return "\(subject): cannot read the file: \(why)"
        case .noPEMKey:
            return "\(subject): no PEM public key found (expected -----BEGIN PUBLIC KEY-----); "
                + "export it from the private key with `openssl pkey -in private_key.pem -pubout -out public_key.pem`"
        case .privateKey(let label):
            return "\(subject): this is a private key (\(label)); s3edge needs only the public key: "
                + "`openssl pkey -in private_key.pem -pubout -out public_key.pem`, and keep the private key with the signer"
        case .undecodable(let label):
            return "\(subject): the \(label) block does not decode as a public key; is the file truncated or edited?"
        case .unsupportedType(let type):
            return "\(subject): a \(type) key; CloudFront signatures use RSA (2048 bits or more) or ECDSA P-256 keys"
        case .unsupportedCurve(let curve):
            return "\(subject): an EC key on \(curve); only ECDSA P-256 (prime256v1) is accepted, as in CloudFront"
        case .invalidID:
            return "trusted key id \"\(keyID)\" (\(source)): use the Key-Pair-Id signers put in URLs: "
                + "1 to 128 letters, digits, '_' or '-'"
        case .duplicateID:
            return "\(subject): the id is used by another trusted key; each Key-Pair-Id must name one key"
        }
    }
}
