public import EdgeTLS

/// A fresh AES-256 data key from `GenerateDataKey`: the key itself, to encrypt with now, and the
/// same key encrypted under the KMS key, to store and hand to `Decrypt` later.
///
/// Printing it shows the ARN and the blob's size, never the key.
public struct KMSDataKey: Sendable, CustomStringConvertible {
    /// 32 bytes, locked in memory and wiped when released.
    public let plaintext: SecretBytes
    /// The key encrypted by KMS (opaque, about 180 bytes); safe to store on disk.
    public let ciphertextBlob: [UInt8]
    /// The full ARN of the KMS key that encrypted it, even when it was named by alias.
    public let keyARN: String

    public init(plaintext: SecretBytes, ciphertextBlob: [UInt8], keyARN: String) {
        self.plaintext = plaintext
        self.ciphertextBlob = ciphertextBlob
        self.keyARN = keyARN
    }

    public var description: String {
        "KMSDataKey(\(plaintext), ciphertext blob \(ciphertextBlob.count) bytes, key \(keyARN))"
    }
}
