import Logging

/// Keeps every log line so tests can assert on levels and texts (and on secrets never appearing).
struct RecordingLogHandler: LogHandler {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    let entries: LockedBox<[Entry]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        entries.withLock { $0.append(Entry(level: event.level, message: event.message.description)) }
    }

    /// A logger writing into a fresh box, and the box.
    static func logger() -> (Logger, LockedBox<[Entry]>) {
        let entries = LockedBox<[Entry]>([])
        return (Logger(label: "credentials-test") { _ in RecordingLogHandler(entries: entries) }, entries)
    }
}
