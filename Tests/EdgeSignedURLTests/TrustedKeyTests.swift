@testable import EdgeSignedURL
import Testing

@Suite struct TrustedKeyTests {
    @Test(arguments: [
        ("aws-cli/test-rsa-key-public.pem", TrustedKey.Kind.rsa(bits: 1024)),
        ("derived/rsa-pkcs1-public.pem", .rsa(bits: 1024)),
        ("derived/rsa-certificate.pem", .rsa(bits: 1024)),
        ("aws-cli/test-ecdsa-key-public.pem", .ecdsaP256),
    ])
    func loadsThePEMForms(_ file: String, _ kind: TrustedKey.Kind) throws {
        let key = try TrustedKey(id: "K1TESTKEY", pemFile: Fixtures.path(file))
        #expect(key.kind == kind)
        #expect(key.isWeak == (kind == .rsa(bits: 1024)))
        #expect(key.description == "K1TESTKEY (\(kind))")
    }

    /// The PKCS#1 form and the certificate hold the same key as the SPKI file: a signature
    /// from the test vectors verifies with each.
    @Test(arguments: ["aws-cli/test-rsa-key-public.pem", "derived/rsa-pkcs1-public.pem", "derived/rsa-certificate.pem"])
    func everyFormVerifiesTheVectorSignature(_ file: String) throws {
        let key = try TrustedKey(id: "K1TESTKEY", pem: Fixtures.bytes(file))
        let policy = Array(#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#.utf8)
        let signature = try #require(CloudFrontBase64.decode("iONoMLnhiCy9q1~WB9GkR2DiHz18I85i3o6kZ64REf-fCSOg-AyXEZiq7fJuS~DT-kbZXjVpgIQqI4sCTcBW9XpO6dyJ5sh8Igk3V~OVncS9acGVnI~ZhHBWiGhU8GmkEMAhn6R2RGO-wKGClrXdJGEUE26XoALdHUzHbmU6AGI_".utf8))
        #expect(key.verify(signature: signature, message: policy, hash: .sha1))
        #expect(!key.verify(signature: signature, message: policy, hash: .sha256))
        #expect(!key.verify(signature: [], message: policy, hash: .sha1))
    }

    @Test(arguments: [
        ("derived/dsa-public.pem", TrustedKeyError.Reason.unsupportedType("DSA")),
        ("derived/ed25519-public.pem", .unsupportedType("ED25519")),
        ("derived/p384-public.pem", .unsupportedCurve("secp384r1")),
        ("aws-cli/test-rsa-key.pem", .privateKey(label: "PRIVATE KEY")),
        ("aws-cli/test-rsa-key-pkcs1.pem", .privateKey(label: "RSA PRIVATE KEY")),
        ("aws-cli/test-ecdsa-key-sec1.pem", .privateKey(label: "EC PRIVATE KEY")),
        ("aws-cli/LICENSE-aws-cli.txt", .noPEMKey),
    ])
    func refusesWhatCloudFrontDoesNotSignWith(_ file: String, _ reason: TrustedKeyError.Reason) throws {
        let path = try Fixtures.path(file)
        #expect(throws: TrustedKeyError(keyID: "K1", source: path, reason: reason)) { try TrustedKey(id: "K1", pemFile: path) }
    }

    @Test func errorsNameTheFileAndTheFix() throws {
        let missing = "/nonexistent/s3edge/key.pem"
        do {
            _ = try TrustedKey(id: "K1", pemFile: missing)
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.hasPrefix("trusted key K1 (/nonexistent/s3edge/key.pem): cannot read the file: "))
            #expect(error.description.lowercased().contains("no such file"))
        }
        let privateKey = TrustedKeyError(keyID: "K1", source: "k.pem", reason: .privateKey(label: "RSA PRIVATE KEY"))
        #expect(privateKey.description.contains("openssl pkey -in private_key.pem -pubout"))
        let dsa = TrustedKeyError(keyID: "K1", source: "k.pem", reason: .unsupportedType("DSA"))
        #expect(dsa.description == "trusted key K1 (k.pem): a DSA key; CloudFront signatures use RSA (2048 bits or more) or ECDSA P-256 keys")
    }

    @Test func skipsParameterBlocksAndRefusesBrokenKeys() throws {
        let ecPublic = try Fixtures.bytes("aws-cli/test-ecdsa-key-public.pem")
        let parameters = Array("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n".utf8)
        #expect(try TrustedKey(id: "K1", pem: parameters + ecPublic).kind == .ecdsaP256)
        #expect(try TrustedKey(id: "K1", pem: Array("comment line\n".utf8) + ecPublic).kind == .ecdsaP256)

        // A valid base64 body that is not a key.
        let notAKey = Array("-----BEGIN PUBLIC KEY-----\nMAMCAQE=\n-----END PUBLIC KEY-----\n".utf8)
        #expect(throws: TrustedKeyError(keyID: "K1", source: "PEM text", reason: .undecodable(label: "PUBLIC KEY"))) {
            try TrustedKey(id: "K1", pem: notAKey)
        }
        #expect(throws: TrustedKeyError(keyID: "K1", source: "PEM text", reason: .noPEMKey)) { try TrustedKey(id: "K1", pem: [UInt8]()) }
    }

    @Test(arguments: ["", "K 1", "K1&x=1", "K1;", "ключ", String(repeating: "K", count: 129)])
    func refusesIDsNoSignerWrites(_ id: String) throws {
        let pem = try Fixtures.bytes("aws-cli/test-ecdsa-key-public.pem")
        #expect(throws: TrustedKeyError(keyID: id, source: "PEM text", reason: .invalidID)) { try TrustedKey(id: id, pem: pem) }
    }

    @Test func theStoreRefusesDuplicateIDsAndListsWeakKeys() throws {
        let rsa = try TrustedKey(id: "K1TESTKEY", pem: Fixtures.bytes("aws-cli/test-rsa-key-public.pem"))
        let ec = try TrustedKey(id: "K2ECDSATEST", pem: Fixtures.bytes("aws-cli/test-ecdsa-key-public.pem"))
        let ecAgain = try TrustedKey(id: "K1TESTKEY", pem: Fixtures.bytes("aws-cli/test-ecdsa-key-public.pem"))
        #expect(throws: TrustedKeyError(keyID: "K1TESTKEY", source: "trusted_keys", reason: .duplicateID)) {
            try TrustedKeyStore([rsa, ec, ecAgain])
        }
        let store = try TrustedKeyStore([rsa, ec])
        #expect(store.keys.map(\.id) == ["K1TESTKEY", "K2ECDSATEST"])
        #expect(store.weakKeys.map(\.id) == ["K1TESTKEY"])
        #expect(store.key(id: "K2ECDSATEST")?.kind == .ecdsaP256)
        #expect(store.key(id: "k2ecdsatest") == nil)
    }
}
