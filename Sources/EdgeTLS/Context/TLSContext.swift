internal import COpenSSL
internal import COpenSSLShims
import Glibc

/// The server side of TLS for one configuration generation: an `SSL_CTX` per certificate, SNI
/// selection between them, ALPN, protocol floor and cipher policy.
///
/// Built off the event loops (it reads files). After `init` nothing in it changes, and OpenSSL
/// allows `SSL_new` on a configured `SSL_CTX` from any thread; a reload builds a new `TLSContext`
/// and connections already open keep the one they started with.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX handles are written only in init and freed in deinit; OpenSSL's
    // SSL_CTX is safe for concurrent SSL_new once configured.
    public let configuration: TLSServerConfiguration
    /// What each certificate covers and when it expires, in configuration order.
    public let certificates: [CertificateSummary]
    let defaultContext: OpaquePointer
    private let contexts: [OpaquePointer]
    private let selector: ServerNameSelector
    private let alpn: ALPNPreference

    public init(configuration: TLSServerConfiguration) throws(TLSConfigurationError) {
        guard !configuration.certificates.isEmpty else {
            throw TLSConfigurationError(.context, "no certificate configured: add one under tls.certificates")
        }
        self.configuration = configuration
        self.alpn = ALPNPreference(configuration.applicationProtocols)
        var built: [OpaquePointer] = []
        var summaries: [CertificateSummary] = []
        do {
            for (index, files) in configuration.certificates.enumerated() {
                let ctx = try Self.makeContext(configuration, alpn: alpn)
                built.append(ctx)
                try Self.loadCertificate(files, index: index, into: ctx)
                summaries.append(CertificateSummary(context: ctx, files: files))
            }
        } catch {
            built.forEach { SSL_CTX_free($0) }
            throw error
        }
        self.contexts = built
        self.defaultContext = built[0]
        self.certificates = summaries
        self.selector = ServerNameSelector(contexts: built)
        let selectorPointer = Unmanaged.passUnretained(selector).toOpaque()
        // Only the context a connection starts on sees the ClientHello's server name.
        s3edge_SSL_CTX_set_tlsext_servername_callback(defaultContext, serverNameCallback, selectorPointer)
    }

    deinit {
        contexts.forEach { SSL_CTX_free($0) }
    }

    private static func makeContext(
        _ configuration: TLSServerConfiguration,
        alpn: ALPNPreference
    ) throws(TLSConfigurationError) -> OpaquePointer {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSConfigurationError(.context, TLSError.fromQueue("creating TLS context").description)
        }
        let floor = configuration.effectiveMinimumVersion == .tls13 ? s3edge_TLS1_3_VERSION : s3edge_TLS1_2_VERSION
        s3edge_SSL_CTX_set_min_proto_version(ctx, floor)
        s3edge_SSL_CTX_apply_server_hardening(ctx)
        s3edge_SSL_CTX_enable_server_session_cache(ctx, 20_000)
        SSL_CTX_set_timeout(ctx, configuration.sessionTimeoutSeconds)
        SSL_CTX_set_max_early_data(ctx, 0)
        SSL_CTX_set_num_tickets(ctx, 2)
        let sessionContext: [UInt8] = Array("s3edge".utf8)
        SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
        // An encrypted key must fail with a message, never block on a terminal prompt.
        SSL_CTX_set_default_passwd_cb(ctx, refusePassphrase)
        _ = s3edge_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")

        let cipherList = configuration.cipherList ?? configuration.policy.cipherList
        if SSL_CTX_set_cipher_list(ctx, cipherList) != 1 {
            SSL_CTX_free(ctx)
            throw TLSConfigurationError(.cipherList, "no usable cipher in \"\(cipherList)\": \(TLSError.fromQueue("ciphers"))")
        }
        let suites = configuration.cipherSuites ?? configuration.policy.cipherSuites
        if SSL_CTX_set_ciphersuites(ctx, suites) != 1 {
            SSL_CTX_free(ctx)
            throw TLSConfigurationError(.cipherSuites, "no usable TLS 1.3 suite in \"\(suites)\": \(TLSError.fromQueue("ciphersuites"))")
        }
        SSL_CTX_set_alpn_select_cb(ctx, alpnSelectCallback, Unmanaged.passUnretained(alpn).toOpaque())
        return ctx
    }

    private static func loadCertificate(
        _ files: TLSServerConfiguration.CertificateFiles,
        index: Int,
        into ctx: OpaquePointer
    ) throws(TLSConfigurationError) {
        if let problem = unreadable(files.certificatePath) {
            throw TLSConfigurationError(.certificate(index: index), "cannot read certificate \(files.certificatePath): \(problem)")
        }
        if let problem = unreadable(files.keyPath) {
            throw TLSConfigurationError(.key(index: index), "cannot read key \(files.keyPath): \(problem)")
        }
        ERR_clear_error()
        if SSL_CTX_use_certificate_chain_file(ctx, files.certificatePath) != 1 {
            let why = TLSError.fromQueue("not a PEM certificate chain")
            throw TLSConfigurationError(.certificate(index: index), "cannot load certificate \(files.certificatePath): \(why)")
        }
        guard let key = readPrivateKey(files.keyPath) else {
            let why = TLSError.fromQueue("not an unencrypted PEM private key")
            throw TLSConfigurationError(.key(index: index), "cannot load key \(files.keyPath): \(why)")
        }
        defer { EVP_PKEY_free(key) }
        guard X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) == 1 else {
            ERR_clear_error()
            throw TLSConfigurationError(
                .key(index: index),
                "key \(files.keyPath) does not match certificate \(files.certificatePath): use the key the certificate was issued for"
            )
        }
        if SSL_CTX_use_PrivateKey(ctx, key) != 1 {
            throw TLSConfigurationError(.key(index: index), "cannot use key \(files.keyPath): \(TLSError.fromQueue("SSL_CTX_use_PrivateKey"))")
        }
    }

    private static func readPrivateKey(_ path: String) -> OpaquePointer? {
        guard let bio = BIO_new_file(path, "r") else { return nil }
        defer { BIO_free(bio) }
        return PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil)
    }

    /// `nil` when the file can be opened for reading, else the system's reason.
    private static func unreadable(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return String(cString: strerror(errno)) }
        fclose(file)
        return nil
    }
}

/// Never supply a passphrase: s3edge starts unattended.
private func refusePassphrase(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ rwflag: Int32, _ userdata: UnsafeMutableRawPointer?
) -> Int32 {
    0
}
