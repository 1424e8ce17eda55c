import EdgeConfig
import Logging

extension AccessLogWriter {
    /// The writer `access_log` asks for, or nil when it is off.
    public static func open(_ settings: AccessLogSettings, logger: Logger) throws(AccessLogOpenError) -> AccessLogWriter? {
        let formatter = AccessLogFormatter(format: settings.format == .json ? .json : .w3c, logCookies: settings.logCookies)
        switch settings.destination {
        case .off: return nil
        case .stderr: return try AccessLogWriter(destination: .stderr, formatter: formatter, logger: logger)
        case .file(let path): return try AccessLogWriter(destination: .file(path), formatter: formatter, logger: logger)
        }
    }
}
