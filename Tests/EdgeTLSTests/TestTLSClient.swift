import COpenSSL
import EdgeTLS
import NIOCore
import NIOEmbedded

/// A real OpenSSL client over memory BIOs, the peer for in-memory tests of `TLSServerHandler`.
final class TestTLSClient {
    let context: OpaquePointer
    let ssl: OpaquePointer
    private let inbound: OpaquePointer
    private let outbound: OpaquePointer

    init(
        serverName: String? = "localhost",
        alpn: [String] = ["h2", "http/1.1"],
        maxVersion: Int32 = TLS1_3_VERSION,
        cipherList: String? = nil,
        session: OpaquePointer? = nil
    ) {
        context = SSL_CTX_new(TLS_client_method())!
        SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(maxVersion), nil)
        SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_VERSION), nil)
        SSL_CTX_set_security_level(context, 0)
        if let cipherList { SSL_CTX_set_cipher_list(context, cipherList) }
        ssl = SSL_new(context)!
        inbound = BIO_new(BIO_s_mem())!
        outbound = BIO_new(BIO_s_mem())!
        BIO_ctrl(inbound, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nil)
        SSL_set_bio(ssl, inbound, outbound)
        SSL_set_connect_state(ssl)
        if let serverName {
            serverName.withCString { name in
                _ = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: name))
            }
        }
        if !alpn.isEmpty {
            let wire = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            SSL_set_alpn_protos(ssl, wire, UInt32(wire.count))
        }
        if let session { SSL_set_session(ssl, session) }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// 1 when the handshake is done, 0 when it needs more from the server, -1 on failure.
    func handshake() -> Int32 {
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return 1 }
        let error = SSL_get_error(ssl, rc)
        return error == SSL_ERROR_WANT_READ ? 0 : -1
    }

    func feed(_ buffer: ByteBuffer) {
        _ = buffer.withUnsafeReadableBytes { BIO_write(inbound, $0.baseAddress, Int32($0.count)) }
    }

    func takeOutput() -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(outbound))
        guard pending > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: pending)
        BIO_read(outbound, &bytes, Int32(pending))
        return ByteBuffer(bytes: bytes)
    }

    func write(_ text: String) {
        _ = SSL_write(ssl, text, Int32(text.utf8.count))
    }

    /// Decrypts everything buffered.
    func read() -> String {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = SSL_read(ssl, &chunk, Int32(chunk.count))
            if n <= 0 { break }
            result += chunk[0..<Int(n)]
        }
        return String(decoding: result, as: UTF8.self)
    }

    var receivedCloseNotify: Bool { SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN != 0 }

    var peerCommonName: String {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return "" }
        defer { X509_free(certificate) }
        var buffer = [CChar](repeating: 0, count: 256)
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, &buffer, 256)
        return text(buffer)
    }

    var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    var cipher: String { String(cString: SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))) }

    var session: OpaquePointer? { SSL_get1_session(ssl) }

    /// The alert the server sent, e.g. "protocol version", read from OpenSSL's error queue text.
    func errorText() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, 256)
            reasons.append(text(buffer))
        }
        return reasons.joined(separator: "; ")
    }
}

/// Moves bytes between the client and the server channel until neither has anything to say.
func pump(_ client: TestTLSClient, _ server: EmbeddedChannel, rounds: Int = 10) throws -> Int32 {
    var state: Int32 = 0
    for _ in 0..<rounds {
        state = client.handshake()
        if let out = client.takeOutput() { try server.writeInbound(out) }
        while let reply = try server.readOutbound(as: ByteBuffer.self) { client.feed(reply) }
        if state != 0 { state = client.handshake(); break }
    }
    return state
}

private func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
