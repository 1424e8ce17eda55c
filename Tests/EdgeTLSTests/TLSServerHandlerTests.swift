import COpenSSL
import EdgeTLS
import NIOCore
import NIOEmbedded
import NIOTLS
import Testing

@Suite struct TLSServerHandlerTests {
    let certs: GeneratedCertificates
    let rsa: TLSServerConfiguration.CertificateFiles
    let ecdsa: TLSServerConfiguration.CertificateFiles

    init() throws {
        certs = try GeneratedCertificates()
        rsa = try certs.write("rsa", names: ["rsa.example.test", "localhost"], keyType: .rsa(bits: 2048))
        ecdsa = try certs.write("ecdsa", names: ["ecdsa.example.test"], keyType: .ecdsaP256)
    }

    func context(
        policy: TLSSecurityPolicy = .tls12_2021, min: TLSProtocol = .tls12
    ) throws -> TLSContext {
        try TLSContext(configuration: .init(policy: policy, minimumVersion: min, certificates: [rsa, ecdsa]))
    }

    @Test func tls13HandshakeNegotiatesH2AndCarriesDataBothWays() throws {
        let (server, recorder) = try makeServer(try context())
        let client = TestTLSClient()
        #expect(try pump(client, server) == 1)
        #expect(client.protocolVersion == "TLSv1.3")
        #expect(recorder.events == [.handshakeCompleted(negotiatedProtocol: "h2")])

        client.write("GET / HTTP/1.1\r\n\r\n")
        try server.writeInbound(client.takeOutput()!)
        #expect(recorder.plaintext == "GET / HTTP/1.1\r\n\r\n")

        try server.writeAndFlush(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")).wait()
        while let out = try server.readOutbound(as: ByteBuffer.self) { client.feed(out) }
        #expect(client.read() == "HTTP/1.1 200 OK\r\n\r\n")
        _ = try server.finish()
    }

    @Test func smallWritesBeforeAFlushTravelInOneRecord() throws {
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient()
        #expect(try pump(client, server) == 1)
        while try server.readOutbound(as: ByteBuffer.self) != nil {}
        server.write(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), promise: nil)
        server.write(ByteBuffer(string: "hello"), promise: nil)
        #expect(try server.readOutbound(as: ByteBuffer.self) == nil)  // nothing before the flush
        server.flush()
        var ciphertext = ByteBuffer()
        while var out = try server.readOutbound(as: ByteBuffer.self) { ciphertext.writeBuffer(&out) }
        var records = 0
        var cursor = ciphertext
        while cursor.readableBytes >= 5, let header = cursor.readBytes(length: 5) {
            records += 1
            cursor.moveReaderIndex(forwardBy: Int(header[3]) << 8 | Int(header[4]))
        }
        #expect(records == 1)
        client.feed(ciphertext)
        #expect(client.read() == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        _ = try server.finish()
    }

    @Test func alpnFallsBackToHTTP1WhenClientOffersNoH2() throws {
        let (server, recorder) = try makeServer(try context())
        let client = TestTLSClient(alpn: ["http/1.1"])
        #expect(try pump(client, server) == 1)
        #expect(recorder.events == [.handshakeCompleted(negotiatedProtocol: "http/1.1")])
        _ = try server.finish()
    }

    @Test func tls12ClientRefusedWhenMinimumIsTLS13() throws {
        let (server, recorder) = try makeServer(try context(min: .tls13))
        let client = TestTLSClient(maxVersion: TLS1_2_VERSION)
        #expect(try pump(client, server) == -1)
        #expect(client.errorText().contains("protocol version"))
        #expect(recorder.events.isEmpty)
        #expect(!server.isActive)
    }

    @Test func tls13OnlyPolicyRefusesTLS12EvenWithMinimumTLS12() throws {
        let (server, _) = try makeServer(try context(policy: .tls13_2025, min: .tls12))
        let client = TestTLSClient(maxVersion: TLS1_2_VERSION)
        #expect(try pump(client, server) == -1)
        #expect(!server.isActive)
    }

    @Test func tls11ClientRefused() throws {
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient(maxVersion: TLS1_1_VERSION, cipherList: "ALL:@SECLEVEL=0")
        #expect(try pump(client, server) == -1)
        #expect(!server.isActive)
    }

    @Test func policy2021RefusesCBCAndRSAKeyExchange() throws {
        for weak in ["ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"] {
            let (server, _) = try makeServer(try context())
            let client = TestTLSClient(maxVersion: TLS1_2_VERSION, cipherList: weak)
            #expect(try pump(client, server) == -1, "cipher \(weak) must be refused")
        }
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient(maxVersion: TLS1_2_VERSION, cipherList: "ECDHE-RSA-AES256-GCM-SHA384")
        #expect(try pump(client, server) == 1)
        #expect(client.cipher == "ECDHE-RSA-AES256-GCM-SHA384")
        _ = try server.finish()
    }

    @Test(arguments: [
        ("rsa.example.test", "rsa.example.test"),
        ("ecdsa.example.test", "ecdsa.example.test"),
        ("unknown.example.test", "rsa.example.test"),
    ])
    func sniChoosesCertificateByNameAndDefaultsToFirst(requested: String, expectedCN: String) throws {
        let (server, recorder) = try makeServer(try context())
        let client = TestTLSClient(serverName: requested)
        #expect(try pump(client, server) == 1)
        #expect(client.peerCommonName == expectedCN)
        #expect(recorder.events.count == 1)
        _ = try server.finish()
    }

    @Test func closeSendsCloseNotify() throws {
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient()
        #expect(try pump(client, server) == 1)
        _ = client.read()
        server.close(promise: nil)
        server.embeddedEventLoop.run()
        while let out = try server.readOutbound(as: ByteBuffer.self) { client.feed(out) }
        _ = client.read()
        #expect(client.receivedCloseNotify)
        #expect(!server.isActive)
    }

    @Test func abortClosesWithoutCloseNotify() throws {
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient()
        #expect(try pump(client, server) == 1)
        _ = client.read()
        server.pipeline.triggerUserOutboundEvent(TLSAbortEvent(), promise: nil)
        server.embeddedEventLoop.run()
        while let out = try server.readOutbound(as: ByteBuffer.self) { client.feed(out) }
        _ = client.read()
        #expect(!client.receivedCloseNotify)
        #expect(!server.isActive)
    }

    @Test func handshakeTimeoutClosesSilentConnection() throws {
        let (server, recorder) = try makeServer(try context(), timeout: .seconds(5))
        server.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(server.isActive)
        server.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!server.isActive)
        #expect(recorder.errors.count == 1)
    }

    @Test func tls12RenegotiationIsRefused() throws {
        let (server, _) = try makeServer(try context())
        let client = TestTLSClient(maxVersion: TLS1_2_VERSION)
        #expect(try pump(client, server) == 1)
        #expect(SSL_renegotiate(client.ssl) == 1)
        // The server answers the new ClientHello with a no_renegotiation alert, never a ServerHello.
        #expect(client.handshake() == 0)  // sends the new ClientHello
        try server.writeInbound(client.takeOutput()!)
        while let reply = try server.readOutbound(as: ByteBuffer.self) { client.feed(reply) }
        #expect(client.handshake() == -1)
        #expect(client.errorText().contains("no renegotiation"))
    }

    @Test func tls12SessionIsResumed() throws {
        let tls = try context()
        let (first, _) = try makeServer(tls)
        let client = TestTLSClient(maxVersion: TLS1_2_VERSION)
        #expect(try pump(client, first) == 1)
        let session = client.session
        #expect(session != nil)

        let (second, _) = try makeServer(tls)
        let handler = try second.pipeline.syncOperations.handler(type: TLSServerHandler.self)
        let again = TestTLSClient(maxVersion: TLS1_2_VERSION, session: session)
        #expect(try pump(again, second) == 1)
        #expect(handler.session?.resumed == true)
        SSL_SESSION_free(session)
    }
}
