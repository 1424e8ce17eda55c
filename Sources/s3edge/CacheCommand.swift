import ArgumentParser
import Foundation

/// `s3edge cache …`: operations on the running daemon's cache.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Operate on the running daemon's edge cache.",
        subcommands: [RotateKey.self]
    )

    /// `s3edge cache rotate-key`: asks the daemon (admin API, `POST /cache/rotate-key`) for a new
    /// data key from KMS; new entries are sealed with it, older ones stay readable.
    struct RotateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Make a new cache data key (KMS GenerateDataKey) for new entries.",
            discussion: """
                Entries sealed with earlier keys stay readable until they are evicted, replaced or \
                invalidated. With cache.encryption.mode key_file, rotate by installing a new key file \
                and restarting instead.
                """
        )

        @OptionGroup var api: AdminAPIOptions

        func run() throws {
            let response = try api.request(path: "/cache/rotate-key", method: "POST").perform()
            let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard response.status == 200 else {
                throw ValidationError("the key was not rotated (HTTP \(response.status)): \(text)")
            }
            print(text)
        }
    }
}
