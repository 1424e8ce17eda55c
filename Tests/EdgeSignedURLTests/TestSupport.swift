import COpenSSL
import COpenSSLShims
@testable import EdgeSignedURL
import Foundation
import Testing

/// Files under `Fixtures/`, read through the test bundle (never from outside the repository).
enum Fixtures {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "Fixtures/\(path) is not in the test bundle (see Fixtures/PROVENANCE.md)" }
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let data = FileManager.default.contents(atPath: root.appending(path: relativePath).path)
        else { throw Missing(path: relativePath) }
        return Array(data)
    }

    /// The path of a fixture file on disk, for `TrustedKey(id:pemFile:)`.
    static func path(_ relativePath: String) throws -> String {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Missing(path: relativePath) }
        let path = root.appending(path: relativePath).path
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: relativePath) }
        return path
    }

    static func json<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(try bytes(relativePath)))
    }

    /// The aws-cli vectors' key store: `K1TESTKEY` (RSA-1024) and `K2ECDSATEST` (P-256).
    static func awsCLIKeys(cacheCapacity: Int = 0) throws -> TrustedKeyStore {
        try TrustedKeyStore([
            TrustedKey(id: "K1TESTKEY", pem: bytes("aws-cli/test-rsa-key-public.pem")),
            TrustedKey(id: "K2ECDSATEST", pem: bytes("aws-cli/test-ecdsa-key-public.pem")),
        ], cacheCapacity: cacheCapacity)
    }
}

/// Signs like a CloudFront signer does, with OpenSSL, for cases the vectors carry no fixed
/// signature for (ECDSA is randomized) and for signatures by the wrong key.
final class TestSigningKey: @unchecked Sendable {
    let key: OpaquePointer

    init(privatePEM: [UInt8]) {
        key = privatePEM.withUnsafeBytes { buffer in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))!
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)!
        }
    }

    /// A fresh key: `RSA` with `bits`, or P-256.
    init(generatedRSABits bits: UInt32? = nil) {
        key = bits.map { s3edge_EVP_RSA_gen($0)! } ?? s3edge_EVP_EC_gen("P-256")!
    }

    deinit { EVP_PKEY_free(key) }

    func sign(_ message: [UInt8], hash: HashAlgorithm) -> [UInt8] {
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        precondition(EVP_DigestSignInit(context, nil, hash == .sha1 ? EVP_sha1() : EVP_sha256(), nil, key) == 1)
        var length = 0
        precondition(EVP_DigestSign(context, nil, &length, message, message.count) == 1)
        var signature = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(context, &signature, &length, message, message.count) == 1)
        return Array(signature.prefix(length))
    }

    /// The PEM of the public half, for a `TrustedKey`.
    var publicPEM: [UInt8] {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        precondition(PEM_write_bio_PUBKEY(bio, key) == 1)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let read = BIO_read(bio, &chunk, Int32(chunk.count))
            if read <= 0 { break }
            output.append(contentsOf: chunk.prefix(Int(read)))
        }
        return output
    }
}

/// A signed URL as signers lay it out: the base URL, `?` or `&`, then the parameters in order.
func signedURL(_ base: String, _ parameters: [(String, String)]) -> ViewerURL {
    let separator = base.contains("?") ? "&" : "?"
    let text = base + separator + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    guard let url = ViewerURL(text) else { fatalError("not an absolute URL: \(text)") }
    return url
}

/// `url` with one query parameter's value replaced (or removed, with nil).
func replacing(_ name: String, with value: String?, in url: ViewerURL) -> ViewerURL {
    var copy = url
    let pairs = (url.query ?? "").split(separator: "&", omittingEmptySubsequences: false).compactMap { pair -> String? in
        guard pair.hasPrefix("\(name)=") else { return String(pair) }
        return value.map { "\(name)=\($0)" }
    }
    copy.query = pairs.joined(separator: "&")
    return copy
}

/// The value of a query parameter.
func parameter(_ name: String, in url: ViewerURL) -> String? {
    (url.query ?? "").split(separator: "&").first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
}

/// What `verify` says, as a value `#expect` can compare.
enum Outcome: Equatable, CustomStringConvertible {
    case granted(Grant.Source, Grant.PolicyKind)
    case denied(Denial)

    init(_ result: Result<Grant, Denial>) {
        switch result {
        case .success(let grant): self = .granted(grant.source, grant.policy)
        case .failure(let denial): self = .denied(denial)
        }
    }

    var description: String {
        switch self {
        case .granted(let source, let kind): return "granted (\(source), \(kind))"
        case .denied(let denial): return "denied: \(denial)"
        }
    }
}

/// What `verify` says for the cookies as pairs; the same cookies sent as one `Cookie` header
/// (what the server passes) must get the same answer.
func outcome(
    _ url: ViewerURL, cookies: [(name: String, value: String)] = [], ip: String? = nil, at now: Int64,
    keys: TrustedKeyStore
) -> Outcome {
    let clientIP = ip.flatMap { IPAddress($0) }
    let fromPairs = Outcome(SignedRequestVerifier.verify(url: url, cookies: cookies, clientIP: clientIP, now: now, keys: keys))
    let header = cookies.isEmpty ? [] : [cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")]
    let fromHeader = Outcome(SignedRequestVerifier.verify(url: url, cookieHeaders: header, clientIP: clientIP, now: now, keys: keys))
    #expect(fromHeader == fromPairs, "Cookie: \(header.first ?? "")")
    return fromPairs
}

/// An address inside `cidr` (the network address plus 5).
func addressInside(_ cidr: String) -> String {
    guard let range = IPAddressRange(cidr), case .v4(let network) = range.network else { fatalError("not IPv4: \(cidr)") }
    return IPAddress.v4(network + 5).description
}
