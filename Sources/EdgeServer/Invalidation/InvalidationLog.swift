import Foundation

/// The invalidations of this node, kept in `invalidations.log` beside the cache files: one JSON
/// object per line, appended and `fsync`ed before the API answers `201`, so a restart never
/// resurrects invalidated content and `GET …/invalidation/{Id}` keeps answering.
///
/// Two kinds of line: an invalidation (`"type":"invalidation"`) and a retirement
/// (`"type":"retired","through":N`) written once a sweep has deleted every entry the rules up to
/// sequence N could hide, after which those rules no longer need to be checked at lookup.
/// A line cut short by a crash is ignored at load (it was never acknowledged).
final class InvalidationLog: Sendable {
    struct Record: Codable, Sendable, Equatable {
        var type = "invalidation"
        var id: String
        var distribution: String
        var callerReference: String
        var paths: [String]
        /// Milliseconds since the epoch.
        var createdMilliseconds: Int64
        /// Entries stored with a lower sequence are hidden by the rules of these paths.
        var sequence: UInt64

        enum CodingKeys: String, CodingKey {
            case type, id, distribution, paths, sequence
            case callerReference = "caller_reference"
            case createdMilliseconds = "created_ms"
        }
    }

    private struct Retirement: Codable {
        var type = "retired"
        var through: UInt64
    }

    private struct Kind: Decodable {
        var type: String
    }

    struct Loaded {
        var records: [Record] = []
        var retiredThrough: UInt64 = 0
        var skippedLines = 0
    }

    let path: String
    private let descriptor: Int32

    /// Opens (creating) the log and reads what it holds.
    init(directory: String) throws(InvalidationLogError) {
        path = directory + "/invalidations.log"
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InvalidationLogError(path: path, operation: "open", errno: errno) }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    func load() throws(InvalidationLogError) -> Loaded {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InvalidationLogError(path: path, operation: "read", errno: EIO)
        }
        var loaded = Loaded()
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let bytes = Data(line)
            guard let kind = try? decoder.decode(Kind.self, from: bytes) else {
                loaded.skippedLines += 1
                continue
            }
            switch kind.type {
            case "invalidation":
                if let record = try? decoder.decode(Record.self, from: bytes) { loaded.records.append(record) } else {
                    loaded.skippedLines += 1
                }
            case "retired":
                if let retirement = try? decoder.decode(Retirement.self, from: bytes) {
                    loaded.retiredThrough = max(loaded.retiredThrough, retirement.through)
                } else {
                    loaded.skippedLines += 1
                }
            default:
                loaded.skippedLines += 1
            }
        }
        return loaded
    }

    /// Appends and syncs an invalidation. Blocks on the disk: call off the event loops.
    func append(_ record: Record) throws(InvalidationLogError) {
        try write(record)
    }

    /// Appends and syncs a retirement.
    func appendRetirement(through sequence: UInt64) throws(InvalidationLogError) {
        try write(Retirement(through: sequence))
    }

    private func write(_ value: some Encodable) throws(InvalidationLogError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(value) else {
            throw InvalidationLogError(path: path, operation: "encode", errno: EINVAL)
        }
        line.append(UInt8(ascii: "\n"))
        // One write(2) of the whole line with O_APPEND: a crash leaves a whole line or a torn
        // last line, which load() skips.
        let written = line.withUnsafeBytes { raw -> Int in
            var offset = 0
            while offset < raw.count {
                let result = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += result
            }
            return offset
        }
        guard written == line.count else { throw InvalidationLogError(path: path, operation: "write", errno: errno) }
        guard fsync(descriptor) == 0 else { throw InvalidationLogError(path: path, operation: "fsync", errno: errno) }
    }
}

public struct InvalidationLogError: Error, CustomStringConvertible {
    var path: String
    var operation: String
    var errno: Int32

    public var description: String {
        "cannot \(operation) the invalidation log \(path): \(String(cString: strerror(errno))); "
            + "the cache directory must be writable by the service"
    }
}
