import EdgeConfig
@testable import EdgeServer
import Foundation
import Testing

/// `check-config`'s view of `cache.encryption`: clear text said out loud, key files loaded, KMS
/// left alone (no network from check-config).
@Suite struct CacheEncryptionCheckTests {
    static func check(_ encryption: CacheEncryptionSettings, line: Int = 7) -> [String] {
        ConfigurationCheck.checkCacheEncryption(
            CacheSettings(encryption: encryption, encryptionLine: line), file: "s3edge.yaml"
        ).map(\.description)
    }

    @Test func aWrittenModeNoneIsAWarningAnAbsentSectionIsNot() {
        #expect(Self.check(.none) == [
            "s3edge.yaml:7: warning: cached content is stored in clear on disk: set cache.encryption.mode kms or key_file"
        ])
        #expect(Self.check(.none, line: 0) == [])
    }

    @Test func kmsIsNotCalled() {
        // An endpoint nothing listens on: a network call would fail (or hang) here.
        #expect(Self.check(.kms(KMSEncryptionSettings(keyID: "alias/s3edge-cache", region: "eu-west-2",
                                                      endpoint: "http://127.0.0.1:9"))) == [])
    }

    @Test func keyFilesAreLoadedAndTheirProblemsAreErrorsAtTheirLine() throws {
        let directory = NSTemporaryDirectory() + "s3edge-keycheck-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.key", short = directory + "/short.key"
        #expect(FileManager.default.createFile(atPath: good, contents: Data(repeating: 7, count: 32),
                                               attributes: [.posixPermissions: 0o400]))
        #expect(FileManager.default.createFile(atPath: short, contents: Data(repeating: 7, count: 31),
                                               attributes: [.posixPermissions: 0o400]))
        #expect(Self.check(.keyFile(path: good, line: 9)) == [])
        let errors = Self.check(.keyFile(path: short, line: 9))
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("s3edge.yaml:9: cache key file \(short) holds 31 bytes; it must hold exactly 32") == true)
        #expect(Self.check(.keyFile(path: directory + "/missing.key", line: 9)).first?
            .hasPrefix("s3edge.yaml:9: cache key file \(directory)/missing.key does not exist") == true)
    }

    @Test func aSystemdCredentialThatDoesNotExistYetIsOnlyAWarning() {
        let path = "/run/credentials/s3edge-test-\(UUID().uuidString).service/cache.key"
        #expect(Self.check(.keyFile(path: path, line: 9)) == [
            "s3edge.yaml:9: warning: cache.encryption.key_file \(path) does not exist now; fine if systemd passes it "
                + "with LoadCredential= when the service starts (it is checked then)"
        ])
    }
}
