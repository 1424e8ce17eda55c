/// One request to STS, KMS or a metadata endpoint.
struct CredentialsHTTPRequest {
    /// How the request reaches the endpoint.
    enum Proxy {
        /// Straight to the endpoint, whatever `http_proxy`/`https_proxy` say: metadata endpoints
        /// are link-local or loopback and must never go through a proxy.
        case none
        /// Through `url` (from the injected environment's `HTTPS_PROXY`), except for hosts in `noProxy`.
        case through(url: String, noProxy: String?)
    }

    var method: String
    var url: String
    /// Header values must not contain CR or LF; callers check values that come from files.
    var headers: [(name: String, value: String)] = []
    /// A form-encoded or JSON body, without NUL bytes; when set, the request is a POST with that body.
    var body: String? = nil
    var proxy: Proxy = .none
    var timeouts: CredentialsHTTPTimeouts
    /// The answer carries key material (KMS `Plaintext`): its buffer is allocated once, at the
    /// body limit, so that growing it leaves no copies in freed memory, and it is wiped when the
    /// transfer fails. On success the caller owns the body and wipes it.
    var answerIsSecret = false
}

/// An answer with any status; the body is capped at `CredentialsCurlTransfer.bodyLimit`.
struct CredentialsHTTPResponse {
    var status: Int
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The transfer failed before a complete answer arrived; `message` is libcurl's.
struct CredentialsHTTPError: Error {
    enum Kind {
        /// Nothing listens there, or the address is unreachable (not on EC2/ECS, wrong port).
        case couldNotConnect
        case timedOut
        /// The body passed `CredentialsCurlTransfer.bodyLimit`: not an answer this client expects.
        case answerTooLarge
        case other
    }

    var kind: Kind
    var message: String
}

/// Connect and total deadlines for one request. Metadata endpoints get short ones so a machine
/// that is not on EC2 fails in about a second.
public struct CredentialsHTTPTimeouts: Sendable, Equatable {
    public var connect: Duration
    /// The whole transfer, connect included.
    public var total: Duration

    public init(connect: Duration, total: Duration) {
        self.connect = connect
        self.total = total
    }

    /// 1 s to connect, 3 s in all: IMDS and the container agent answer in milliseconds.
    public static let metadata = CredentialsHTTPTimeouts(connect: .seconds(1), total: .seconds(3))
    /// 3 s to connect, 10 s in all, for STS across the internet.
    public static let sts = CredentialsHTTPTimeouts(connect: .seconds(3), total: .seconds(10))

    var connectMilliseconds: Int { Self.milliseconds(connect) }
    var totalMilliseconds: Int { Self.milliseconds(total) }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
