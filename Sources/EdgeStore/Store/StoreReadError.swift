/// A sealed record that cannot be served: it does not open under its key (altered on disk,
/// moved from another place, replayed from an older fill), or its key is not in this process's
/// keyring. The caller drops the entry and fetches the object again; nothing of it is returned.
public struct StoreReadError: Error, CustomStringConvertible, Sendable {
    public enum Problem: Sendable, Equatable {
        /// The record's tag does not verify: the bytes are not what this cache wrote there.
        case notAuthentic(String)
        /// Sealed with a data key the keyring does not hold (a replaced key file, a data key
        /// KMS no longer decrypts).
        case unknownKey(UInt32)
        /// A sealed record in a store opened without a keyring.
        case noKeyring
    }

    public let key: [UInt8]
    public let problem: Problem

    public var description: String {
        switch problem {
        case .notAuthentic(let part):
            "the cached entry's \(part) failed authentication (altered on disk or moved); it is dropped and fetched again"
        case .unknownKey(let id):
            "the cached entry was sealed with data key \(String(id, radix: 16)), which this process does not hold; it is dropped and fetched again"
        case .noKeyring:
            "the cached entry is encrypted but the cache was opened without a key"
        }
    }
}
