#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import NIOConcurrencyHelpers

/// A thread of its own for the libcurl multi loop: not an event loop (it blocks in
/// `curl_multi_poll`) and not the Swift concurrency pool (it never returns to it).
final class OriginThread: Sendable {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    private let handle: NIOLockedValueBox<pthread_t?>

    /// `name` shows in `top -H` and debuggers; Linux keeps 15 bytes of it.
    init(name: String, body: @escaping @Sendable () -> Void) throws(OriginClientStartError) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
            Thread.current.name = start.name  // Foundation sets the kernel thread name
            start.body()
            return nil
        }, start)
        guard code == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw OriginClientStartError(reason: "pthread_create: \(String(cString: strerror(code)))")
        }
        handle = NIOLockedValueBox(thread)
    }

    /// Waits for the thread to end. Once only; from the thread itself it detaches instead.
    func join() {
        guard let thread = handle.withLockedValue({ handle in defer { handle = nil }; return handle }) else { return }
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

/// The origin client could not start: libcurl or the thread failed to initialise.
public struct OriginClientStartError: Error, CustomStringConvertible {
    public let reason: String

    public var description: String {
        "the origin client could not start (\(reason)): the process is probably out of memory or threads"
    }
}
