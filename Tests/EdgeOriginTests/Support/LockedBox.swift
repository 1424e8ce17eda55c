import Foundation

/// A value guarded by a lock, shared between test code and server or client threads.
///
/// `@unchecked Sendable` is safe because every read and write of `value` happens inside
/// `withLock`, under `lock`.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value {
        withLock { $0 }
    }
}
