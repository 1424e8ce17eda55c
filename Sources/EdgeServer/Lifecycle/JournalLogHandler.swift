import Glibc
import Logging
import NIOConcurrencyHelpers

/// One line per event on stderr. Under systemd (`$JOURNAL_STREAM` set) each line starts with a
/// `<N>` syslog priority, which journald turns into the entry's priority and strips; in a
/// terminal lines start with a UTC timestamp and the level instead.
public struct JournalLogHandler: LogHandler {
    /// Shared by every logger so a reload can change the level for all of them.
    public static let level = NIOLockedValueBox(Logger.Level.info)

    private let label: String
    private let journald: Bool
    public var metadata: Logger.Metadata = [:]

    public init(label: String, journald: Bool) {
        self.label = label
        self.journald = journald
    }

    public var logLevel: Logger.Level {
        get { Self.level.withLockedValue { $0 } }
        set { Self.level.withLockedValue { $0 = newValue } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = journald ? "<\(Self.priority(event.level))>" : "\(Self.timestamp()) \(event.level) "
        line += event.message.description.replacingNewlines()
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted("\(merged[key]!)"))"
        }
        line += "\n"
        // One write(2) per line keeps lines from concurrent loggers whole.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 != 0x22 && $0 != 0x3D && $0 < 0x7F }
        if plain { return value }
        return "\"" + value.replacingNewlines().replacing("\"", with: "\\\"") + "\""
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// Keeps a log entry on one line.
    fileprivate func replacingNewlines() -> String {
        contains(where: \.isNewline) ? replacing("\n", with: "\\n").replacing("\r", with: "\\r") : self
    }
}
