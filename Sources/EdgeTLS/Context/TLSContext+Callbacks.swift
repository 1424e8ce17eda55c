internal import COpenSSL

/// Picks the certificate whose names cover the ClientHello's server name.
///
/// Owned by its `TLSContext`, which every connection keeps alive, so the unretained pointer
/// handed to OpenSSL outlives every handshake that can call back into it.
final class ServerNameSelector: @unchecked Sendable {
    // @unchecked: immutable after init; read concurrently from handshakes on several loops.
    private let contexts: [OpaquePointer]

    init(contexts: [OpaquePointer]) {
        self.contexts = contexts
    }

    /// The first context whose certificate matches `name` (SAN DNS names, wildcards as
    /// RFC 6125 allows), or nil to keep the default certificate.
    func context(forServerName name: UnsafePointer<CChar>) -> OpaquePointer? {
        let length = strlen(name)
        for ctx in contexts {
            guard let certificate = SSL_CTX_get0_certificate(ctx) else { continue }
            if X509_check_host(certificate, name, length, 0, nil) == 1 {
                return ctx
            }
        }
        return nil
    }
}

func serverNameCallback(
    _ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ arg: UnsafeMutableRawPointer?
) -> Int32 {
    guard let ssl, let arg,
          let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)
    else { return SSL_TLSEXT_ERR_OK }
    let selector = Unmanaged<ServerNameSelector>.fromOpaque(arg).takeUnretainedValue()
    if let ctx = selector.context(forServerName: name), ctx != SSL_get_SSL_CTX(ssl) {
        SSL_set_SSL_CTX(ssl, ctx)
    }
    // An unknown name is not an error: it gets the default certificate, as CloudFront does.
    return SSL_TLSEXT_ERR_OK
}

/// The server's ALPN preference, in wire order.
final class ALPNPreference: Sendable {
    let protocols: [[UInt8]]

    init(_ names: [String]) {
        protocols = names.map { Array($0.utf8) }
    }
}

/// Chooses the first protocol in *our* preference order that the client offers; with no overlap
/// the handshake continues without ALPN (HTTP/1.1), as RFC 7301 allows servers to.
func alpnSelectCallback(
    _ ssl: OpaquePointer?,
    _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?,
    _ offeredLength: UInt32,
    _ arg: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let outLength, let offered, let arg else { return SSL_TLSEXT_ERR_NOACK }
    let preference = Unmanaged<ALPNPreference>.fromOpaque(arg).takeUnretainedValue()
    let client = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
    for wanted in preference.protocols {
        var index = 0
        while index < client.count {
            let length = Int(client[index])
            let start = index + 1
            guard start + length <= client.count else { break }
            if length == wanted.count, client[start..<start + length].elementsEqual(wanted) {
                out.pointee = offered + start
                outLength.pointee = UInt8(length)
                return SSL_TLSEXT_ERR_OK
            }
            index = start + length
        }
    }
    return SSL_TLSEXT_ERR_NOACK
}
