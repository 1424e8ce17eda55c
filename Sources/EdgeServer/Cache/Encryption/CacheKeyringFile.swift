import Foundation

/// `keys.json` beside the cache files (mode `kms`): the cache's data keys as KMS encrypted them,
/// never in plaintext. Each start asks KMS to decrypt the ones still needed.
///
/// ```json
/// {"format": "s3edge-cache-keys 1", "current": "9f1c02ab",
///  "keys": [{"id": "9f1c02ab", "kms_key_id": "alias/s3edge-cache", "kms_key_arn": "arn:aws:kms:…",
///            "ciphertext_blob": "AQIDAHh…", "encryption_context": {"s3edge-cache": "/var/cache/s3edge"},
///            "created": "2026-11-30T00:12:00Z"}]}
/// ```
/// `id` is the data key's ``StoreKeyring/identifier(of:)`` (hex), recorded in every entry the
/// key sealed; `kms_key_id` is the configured `cache.encryption.kms_key_id` the key was made
/// under (a change makes a new data key at start). Written whole to a temporary file, `fsync`ed
/// and renamed over the old one, so a crash leaves the old file or the new, never half of one.
struct CacheKeyringFile: Codable, Equatable {
    static let formatName = "s3edge-cache-keys 1"
    static let fileName = "keys.json"

    struct Key: Codable, Equatable {
        var id: String
        var kmsKeyID: String
        var kmsKeyARN: String
        var ciphertextBlob: String
        var encryptionContext: [String: String]
        var created: String

        enum CodingKeys: String, CodingKey {
            case id
            case kmsKeyID = "kms_key_id"
            case kmsKeyARN = "kms_key_arn"
            case ciphertextBlob = "ciphertext_blob"
            case encryptionContext = "encryption_context"
            case created
        }

        var numericID: UInt32? { UInt32(id, radix: 16) }
    }

    var format = Self.formatName
    var current: String?
    var keys: [Key] = []

    static func path(in directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// The file in `directory`; nil if there is none.
    static func read(in directory: String) throws(CacheKeyringFileError) -> CacheKeyringFile? {
        let path = path(in: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CacheKeyringFileError(path: path, problem: "cannot be read (\(error.localizedDescription))",
                                        fix: "give the service user read access to it")
        }
        let file: CacheKeyringFile
        do {
            file = try JSONDecoder().decode(CacheKeyringFile.self, from: data)
        } catch {
            throw CacheKeyringFileError(path: path, problem: "is not a keys file s3edge wrote (\(error))",
                                        fix: "move it away: s3edge then makes a new data key and refetches what the cache held")
        }
        guard file.format == formatName, file.keys.allSatisfy({ $0.numericID != nil }) else {
            throw CacheKeyringFileError(path: path, problem: "has format \"\(file.format)\", expected \"\(formatName)\"",
                                        fix: "move it away: s3edge then makes a new data key and refetches what the cache held")
        }
        return file
    }

    /// Replaces the file in `directory` atomically (temporary file, `fsync`, rename, directory
    /// `fsync`), mode 0600.
    func write(in directory: String) throws(CacheKeyringFileError) {
        let path = Self.path(in: directory)
        let temporary = path + ".tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let failure = { (operation: String, code: Int32) in
            CacheKeyringFileError(path: path, problem: "cannot be written (\(operation): \(String(cString: strerror(code))))",
                                  fix: "check that the cache directory is writable by the service user and the disk has room")
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(self)) + [0x0A]
        } catch {
            throw CacheKeyringFileError(path: path, problem: "cannot be encoded (\(error))", fix: "this is a bug")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("open", errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                throw failure("write", code)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw failure("fsync", code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("rename", errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

struct CacheKeyringFileError: Error, CustomStringConvertible {
    let path: String
    let problem: String
    let fix: String

    var description: String { "the cache keys file \(path) \(problem): \(fix)" }
}

extension UInt32 {
    /// Eight lowercase hex digits, as data key ids are shown in logs, metrics and keys.json.
    var keyIDText: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
