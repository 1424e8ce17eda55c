import EdgeServer
import Foundation
import Glibc
import Testing

/// The notifier against a real unix datagram socket, as systemd listens on one.
@Suite struct SystemdNotifierTests {
    @Test func sendsReadyReloadingAndStoppingDatagrams() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)

        let notifier = SystemdNotifier(socketPath: path)
        notifier.ready(status: "serving")
        notifier.reloading()
        notifier.stopping()

        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }
        #expect(receive() == "READY=1\nSTATUS=serving")
        let reloading = receive()
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(Int(reloading.split(separator: "=").last ?? "") ?? 0 > 0)
        #expect(receive() == "STOPPING=1")
    }

    @Test func withoutNotifySocketNothingIsSent() {
        SystemdNotifier(socketPath: nil).ready(status: "x")
        SystemdNotifier(socketPath: "").stopping()
    }
}
