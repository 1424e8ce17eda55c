import EdgeSignedURL
import NIOCore

extension IPAddress {
    /// The address of an IPv4 or IPv6 socket address, from its network-order bytes (no text
    /// round trip); nil for a Unix socket.
    init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            var raw = address.address.sin_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .v6(let address):
            var raw = address.address.sin6_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .unixDomainSocket:
            return nil
        }
    }
}
