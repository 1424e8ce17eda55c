import EdgeTLS
import Synchronization

/// The data keys the store seals with: every key that may have sealed an entry still on disk,
/// and the one new entries are sealed with.
///
/// Keys are named by a 32-bit id derived from the key itself (``identifier(of:)``), written in
/// each entry's header, so an entry says which key sealed it without the store keeping a list
/// on disk, and a different key (a replaced key file, a lost KMS data key) is recognised as such
/// rather than tried. While the process runs keys are only added: a reader that saw an id once
/// can keep using it. Until a key is installed (``isReady``) nothing can be stored or read:
/// the cache layer serves as a pass-through meanwhile.
public final class StoreKeyring: Sendable {
    private struct State {
        var keys: [UInt32: SecretBytes] = [:]
        var current: UInt32?
    }

    private let state = Mutex(State())
    /// `current != nil`, readable without the lock: every cacheable request asks.
    private let ready = Atomic<Bool>(false)

    public init() {}

    /// Adds `key` (32 bytes) and returns its id; with `makeCurrent`, new entries are sealed
    /// with it from now on.
    @discardableResult
    public func install(_ key: SecretBytes, makeCurrent: Bool) -> UInt32 {
        precondition(key.count == AES256GCM.keyByteCount, "a store data key is 32 bytes, not \(key.count)")
        let id = Self.identifier(of: key)
        state.withLock { state in
            if state.keys[id] == nil { state.keys[id] = key }
            if makeCurrent { state.current = id }
        }
        if makeCurrent { ready.store(true, ordering: .releasing) }
        return id
    }

    /// Whether new entries can be sealed (a current key is installed).
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// The id new entries are sealed with; nil before a key is installed.
    public var currentID: UInt32? { state.withLock { $0.current } }

    /// Every installed key's id.
    public var ids: Set<UInt32> { state.withLock { Set($0.keys.keys) } }

    /// Overwrites every installed key with zeros and forgets them: at shutdown, once the store is
    /// closed (nothing may seal or open afterwards).
    public func wipe() {
        let keys = state.withLock { state -> [SecretBytes] in
            defer {
                state.keys = [:]
                state.current = nil
            }
            return Array(state.keys.values)
        }
        ready.store(false, ordering: .releasing)
        keys.forEach { $0.wipe() }
    }

    func key(id: UInt32) -> SecretBytes? {
        state.withLock { $0.keys[id] }
    }

    /// The first four bytes of HMAC-SHA256(key, "s3edge cache data key id 1"), never 0 (0 marks
    /// an entry stored in clear). Reveals nothing usable about the key.
    public static func identifier(of key: SecretBytes) -> UInt32 {
        let label = Array("s3edge cache data key id 1".utf8)
        let mac = key.withUnsafeBytes { raw in
            label.withUnsafeBytes { HMACSHA256.authenticationCode(key: raw, message: $0) }
        }
        let id = UInt32(mac[0]) << 24 | UInt32(mac[1]) << 16 | UInt32(mac[2]) << 8 | UInt32(mac[3])
        return id == 0 ? 1 : id
    }
}
