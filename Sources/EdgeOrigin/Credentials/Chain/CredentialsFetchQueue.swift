import Dispatch

/// Where blocking credential work (files, libcurl) runs: a serial dispatch queue, so it never
/// occupies an event loop or a Swift concurrency thread for the seconds a timeout can take.
struct CredentialsFetchQueue: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
