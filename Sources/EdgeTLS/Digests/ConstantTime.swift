internal import COpenSSL

/// Comparison of secrets (signatures, token digests) in time that does not depend on where the
/// inputs first differ, over OpenSSL's `CRYPTO_memcmp`.
///
/// `==` on arrays or strings returns at the first differing byte, so how long a refusal takes
/// tells an attacker how many leading bytes of a guessed MAC were right; with enough requests
/// that recovers the MAC byte by byte.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes. Inputs of different lengths are unequal at
    /// once: only the length can leak, which for fixed-size digests and MACs is public anyway.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let left = Array(lhs)
        let right = Array(rhs)
        guard left.count == right.count else { return false }
        guard !left.isEmpty else { return true }
        return left.withUnsafeBytes { leftBuffer in
            right.withUnsafeBytes { rightBuffer in
                CRYPTO_memcmp(leftBuffer.baseAddress, rightBuffer.baseAddress, leftBuffer.count) == 0
            }
        }
    }
}
