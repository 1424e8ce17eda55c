import Foundation

/// Files under `Fixtures/`, read through the test bundle (never from outside the repository).
enum FixtureFiles {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "fixture \(path) is not in the test bundle: is Tests/EdgeOriginTests/Fixtures complete?" }
    }

    static func url(_ relativePath: String) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Missing(path: "Fixtures")
        }
        let url = root.appending(path: relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: relativePath) }
        return url
    }

    /// The file's bytes as UTF-8 text, unchanged (no newline trimmed or added).
    static func text(_ relativePath: String) throws -> String {
        String(decoding: try Data(contentsOf: url(relativePath)), as: UTF8.self)
    }

    /// Decodes a JSON fixture; its snake_case keys map to camelCase properties.
    static func json<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(contentsOf: url(relativePath)))
    }

    /// Names of the subfolders of `relativePath`.
    static func folders(in relativePath: String) throws -> [String] {
        let entries = try FileManager.default.contentsOfDirectory(
            at: url(relativePath), includingPropertiesForKeys: [.isDirectoryKey]
        )
        return try entries.filter { try $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == true }
            .map(\.lastPathComponent).sorted()
    }
}

/// A time in SigV4's `20150830T123600Z` form (UTC) as a `Date`.
func amzDate(_ text: String) -> Date {
    let digits = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int {
        Int(String(decoding: digits[range], as: UTF8.self))!
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = DateComponents(
        year: number(0..<4), month: number(4..<6), day: number(6..<8),
        hour: number(9..<11), minute: number(11..<13), second: number(13..<15)
    )
    return calendar.date(from: components)!
}
