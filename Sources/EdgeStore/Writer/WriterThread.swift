#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOConcurrencyHelpers

/// The writer's own pthread: not an event loop (it blocks in `fdatasync` and on its queue)
/// and not the Swift concurrency pool (it never returns to it).
final class WriterThread: Sendable {
    private let handle: NIOLockedValueBox<pthread_t?>

    /// Starts a thread that runs `writer.run()`. Ownership of `writer` moves to the thread:
    /// the caller must not touch it again.
    init(running writer: consuming StoreWriter, path: String) throws(CacheStoreOpenError) {
        let start = Unmanaged.passRetained(writer).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let writer = Unmanaged<StoreWriter>.fromOpaque(argument).takeRetainedValue()
            nameCurrentThread("s3edge-store")
            writer.run()
            return nil
        }, start)
        guard code == 0 else {
            Unmanaged<StoreWriter>.fromOpaque(start).release()
            throw CacheStoreOpenError(path: path, reason: "pthread_create: \(String(cString: strerror(code)))",
                                      fix: "the process is probably out of memory or threads")
        }
        handle = NIOLockedValueBox(thread)
    }

    /// Waits for the thread to end. Once; later calls return at once.
    func join() {
        guard let thread = handle.withLockedValue({ handle in defer { handle = nil }; return handle }) else { return }
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own, without anyone joining it.
    func detach() {
        guard let thread = handle.withLockedValue({ handle in defer { handle = nil }; return handle }) else { return }
        pthread_detach(thread)
    }
}

/// Names the calling thread for `top -H` and debuggers (Linux keeps 15 bytes), through
/// `/proc/thread-self/comm`: `pthread_setname_np` is a GNU extension Swift's Glibc module hides.
private func nameCurrentThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = Array(name.utf8.prefix(15)).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}
