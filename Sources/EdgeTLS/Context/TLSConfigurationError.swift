/// Why a TLS configuration cannot be used, pointing at the part of the configuration at fault so
/// `check-config` can report the right line.
public struct TLSConfigurationError: Error, Sendable, CustomStringConvertible {
    public enum Subject: Sendable, Equatable {
        /// `tls.certificates[index].cert`
        case certificate(index: Int)
        /// `tls.certificates[index].key`
        case key(index: Int)
        case cipherList
        case cipherSuites
        case context
    }

    public var subject: Subject
    public var message: String

    public init(_ subject: Subject, _ message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { message }
}
