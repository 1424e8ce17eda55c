import EdgeConfig
import EdgeTLS

/// The bearer tokens that authenticate requests to the admin API, loaded from a file.
///
/// The file holds one token per line; blank lines and lines starting with `#` are ignored, and
/// whitespace around a token is dropped. Only SHA-256 digests of the tokens are kept. A request
/// is let in when its `Authorization: Bearer <token>` matches one of them; the check hashes the
/// presented token and compares it with **every** digest in constant time (`CRYPTO_memcmp`), so
/// neither which token matched, nor how many leading bytes did, nor the tokens' lengths show in
/// the time a refusal takes.
public struct AdminTokens: Sendable {
    /// Tokens shorter than this are refused: 32 random characters are out of reach of guessing
    /// over the network (`openssl rand -hex 32` makes 64).
    public static let minimumLength = 32

    private let digests: [[UInt8]]

    /// How many tokens were loaded.
    public var count: Int { digests.count }

    init(tokens: [[UInt8]]) {
        digests = tokens.map { SHA256.hash($0) }
    }

    /// Loads the tokens file at `path`. Every bad line is reported in one pass, as
    /// `PATH:LINE: message` with the fix; the tokens themselves never appear in a message.
    ///
    /// Warnings, not errors: a file that group or others may read or write (`chmod 600` fixes
    /// it), a repeated token, a file without tokens (bearer authentication then refuses everyone).
    public static func load(path: String) throws(ConfigLoadError) -> (AdminTokens, warnings: [ConfigDiagnostic]) {
        let file: AdminTokensFile
        do {
            file = try AdminTokensFile.read(path: path)
        } catch {
            throw ConfigLoadError(diagnostics: [ConfigDiagnostic(file: path, line: 0, severity: .error, message: error.message)])
        }
        var diagnostics: [ConfigDiagnostic] = []
        if file.mode & 0o066 != 0 {
            diagnostics.append(ConfigDiagnostic(
                file: path, line: 0, severity: .warning,
                message: "admin tokens file has mode \(String(file.mode & 0o777, radix: 8)) and other users can "
                    + (file.mode & 0o022 != 0 ? "change" : "read") + " it: run chmod 600 \(path)"
            ))
        }
        let parsed = parse(file.contents, path: path)
        diagnostics += parsed.diagnostics
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ConfigLoadError(diagnostics: diagnostics) }
        if parsed.tokens.isEmpty {
            diagnostics.append(ConfigDiagnostic(
                file: path, line: 0, severity: .warning,
                message: "admin tokens file holds no token, so every bearer token is refused: add one per line "
                    + "(e.g. openssl rand -hex 32 >> \(path))"
            ))
        }
        return (AdminTokens(tokens: parsed.tokens), diagnostics)
    }

    /// The tokens of a file's contents and the problems of its lines.
    static func parse(_ contents: [UInt8], path: String) -> (tokens: [[UInt8]], diagnostics: [ConfigDiagnostic]) {
        var tokens: [[UInt8]] = []
        var firstLine: [[UInt8]: Int] = [:]
        var diagnostics: [ConfigDiagnostic] = []
        for (index, rawLine) in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            func report(_ severity: ConfigDiagnostic.Severity, _ message: String) {
                diagnostics.append(ConfigDiagnostic(file: path, line: line, severity: severity, message: message))
            }
            let token = Array(trimmed(rawLine))
            guard !token.isEmpty, token.first != UInt8(ascii: "#") else { continue }
            if let bad = token.firstIndex(where: { !isTokenByte($0) }) {
                report(.error, "admin token contains \(describe(token[bad])) at column \(bad + 1): a token is printable ASCII "
                    + "without spaces, one per line; put comments on lines of their own starting with #")
            } else if token.count < minimumLength {
                report(.error, "admin token is \(token.count) characters long, fewer than \(minimumLength): "
                    + "use a random one, e.g. openssl rand -hex 32")
            } else if let earlier = firstLine[token] {
                report(.warning, "admin token repeats the one on line \(earlier): remove one of them")
            } else {
                firstLine[token] = line
                tokens.append(token)
            }
        }
        return (tokens, diagnostics)
    }

    /// Whether `authorizationHeader` is `Bearer <token>` (scheme in any case) with one of the
    /// tokens. Every digest is compared whatever the outcome of the others.
    public func authenticate(authorizationHeader: String?) -> Bool {
        guard let header = authorizationHeader else { return false }
        let value = Self.trimmed(Array(header.utf8)[...])
        guard let space = value.firstIndex(where: Self.isWhitespace),
              value[..<space].map(Self.lowercasedASCII) == Array("bearer".utf8)
        else { return false }
        let token = Self.trimmed(value[space...])
        guard !token.isEmpty else { return false }
        let presented = SHA256.hash(token)
        var matches = 0
        for digest in digests {
            matches |= ConstantTime.equals(presented, digest) ? 1 : 0
        }
        return matches != 0
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }), let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return [] }
        return bytes[first...last]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Printable ASCII without space: what an HTTP field value carries unquoted and unmangled.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte)
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0x20, 0x09: return "whitespace"
        case 0x80...: return "a non-ASCII byte"
        default: return "a control character (0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true)))"
        }
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }
}

extension AdminTokens: CustomStringConvertible {
    /// The number of tokens only.
    public var description: String { "AdminTokens(\(count) tokens)" }
}
