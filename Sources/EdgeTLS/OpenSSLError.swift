internal import COpenSSL

/// An error from OpenSSL, carrying the library's own explanation from its error queue.
public struct TLSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What s3edge was doing, e.g. "loading certificate /etc/s3edge/tls/site.pem".
    public var operation: String
    /// OpenSSL's reasons, oldest first (`error:0A000102:SSL routines::unsupported protocol`).
    public var reasons: [String]

    public init(operation: String, reasons: [String]) {
        self.operation = operation
        self.reasons = reasons
    }

    public var description: String {
        reasons.isEmpty ? operation : "\(operation): \(reasons.joined(separator: "; "))"
    }

    /// Drains the calling thread's OpenSSL error queue into a `TLSError`.
    static func fromQueue(_ operation: String) -> TLSError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSError(operation: operation, reasons: reasons)
    }
}
