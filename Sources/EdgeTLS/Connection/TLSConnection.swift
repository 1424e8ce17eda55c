internal import COpenSSL
internal import COpenSSLShims
import NIOCore

/// One server-side TLS session over a pair of memory BIOs: ciphertext in from the socket,
/// ciphertext out to it. Owns its `SSL*`; every operation returns an outcome instead of leaking
/// `SSL_ERROR_WANT_READ`.
///
/// Used from one event loop only (its handler's), which is why it needs no locking.
final class TLSConnection {
    enum Outcome: Equatable {
        case complete
        /// Needs more ciphertext from the peer.
        case incomplete
        case failed(TLSError)
    }

    enum ReadOutcome: Equatable {
        case bytes(Int)
        /// No whole record buffered yet.
        case incomplete
        /// The peer sent `close_notify`.
        case closed
        case failed(TLSError)
    }

    /// Keeps the SNI selector and contexts alive for as long as this session exists.
    let context: TLSContext
    private let ssl: OpaquePointer
    /// Ciphertext from the peer; owned by `ssl` (SSL_set_bio).
    private let inbound: OpaquePointer
    /// Ciphertext to the peer; owned by `ssl`.
    private let outbound: OpaquePointer

    init(context: TLSContext) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.defaultContext) else { throw TLSError.fromQueue("SSL_new") }
        guard let inbound = BIO_new(BIO_s_mem()), let outbound = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.fromQueue("BIO_new")
        }
        s3edge_BIO_set_mem_eof_return(inbound, -1)
        SSL_set_bio(ssl, inbound, outbound)
        SSL_set_accept_state(ssl)
        self.context = context
        self.ssl = ssl
        self.inbound = inbound
        self.outbound = outbound
    }

    deinit {
        SSL_free(ssl)
    }

    /// Hands ciphertext read from the socket to OpenSSL.
    func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = BIO_write(inbound, base, Int32(bytes.count))
        }
    }

    func handshake() -> Outcome {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        return rc == 1 ? .complete : outcome(rc, doing: "TLS handshake")
    }

    /// Decrypts one read's worth of application data into `buffer`.
    func read(into buffer: inout ByteBuffer) -> ReadOutcome {
        ERR_clear_error()
        var rc: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { space in
            rc = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
            return rc > 0 ? Int(rc) : 0
        }
        if rc > 0 { return .bytes(Int(rc)) }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            return .failed(TLSError.fromQueue("TLS read"))
        }
    }

    /// Encrypts `buffer`; with memory BIOs a write never blocks, so it completes or fails.
    func write(_ buffer: ByteBuffer) -> Outcome {
        var result = Outcome.complete
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            ERR_clear_error()
            let rc = SSL_write(ssl, base, Int32(clamping: bytes.count))
            if rc <= 0 { result = outcome(rc, doing: "TLS write") }
        }
        return result
    }

    /// Queues `close_notify`. Completes without waiting for the peer's: we close the socket next.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Ciphertext waiting to go to the peer, if any.
    func takeOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(outbound))
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
            Int(max(0, BIO_read(outbound, space.baseAddress, Int32(pending))))
        }
        return buffer
    }

    /// ALPN result (`h2`, `http/1.1`), nil when the client offered none we speak.
    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Handshake facts for logs and tests.
    var details: TLSSessionDetails {
        TLSSessionDetails(
            protocolVersion: String(cString: SSL_get_version(ssl)),
            cipher: SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "",
            serverName: SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) },
            applicationProtocol: negotiatedProtocol,
            resumed: SSL_session_reused(ssl) == 1
        )
    }

    private func outcome(_ rc: Int32, doing operation: String) -> Outcome {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        default:
            return .failed(TLSError.fromQueue(operation))
        }
    }
}

/// What was negotiated, for access logs, metrics and tests.
public struct TLSSessionDetails: Sendable, Equatable {
    public var protocolVersion: String
    public var cipher: String
    public var serverName: String?
    public var applicationProtocol: String?
    public var resumed: Bool
}
