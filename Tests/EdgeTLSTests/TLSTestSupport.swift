import EdgeTLS
import Foundation
import NIOCore
import NIOEmbedded
import NIOTLS

/// Certificates written to a temporary directory, generated fresh for each test run.
struct GeneratedCertificates {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(
        _ name: String,
        names: [String],
        keyType: SelfSignedCertificate.KeyType = .ecdsaP256,
        notBeforeOffset: Int = -3600,
        lifetime: Int = 86_400
    ) throws -> TLSServerConfiguration.CertificateFiles {
        let generated = try SelfSignedCertificate.generate(
            names: names, keyType: keyType, notBeforeOffset: notBeforeOffset, lifetime: lifetime
        )
        let cert = directory.appendingPathComponent("\(name).pem").path
        let key = directory.appendingPathComponent("\(name).key").path
        try generated.certificatePEM.write(toFile: cert, atomically: true, encoding: .utf8)
        try generated.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        return .init(certificatePath: cert, keyPath: key)
    }
}

/// Records what the TLS handler passes up: plaintext, user events, errors.
final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var plaintext = ""
    var events: [TLSUserEvent] = []
    var errors: [Error] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        plaintext += String(buffer: unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent { events.append(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        errors.append(error)
    }
}

func makeServer(_ context: TLSContext, timeout: TimeAmount = .seconds(10)) throws -> (EmbeddedChannel, Recorder) {
    let recorder = Recorder()
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandler(TLSServerHandler(context: context, handshakeTimeout: timeout))
    try channel.pipeline.syncOperations.addHandler(recorder)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
    return (channel, recorder)
}
