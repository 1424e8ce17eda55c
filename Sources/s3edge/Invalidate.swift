import ArgumentParser
import EdgeAdminAPI
import EdgeConfig
import Foundation

/// `s3edge invalidate --distribution ID PATH…`: creates an invalidation on the running daemon
/// through its admin API (the same call as `aws cloudfront create-invalidation`), authenticated
/// with the first token of `admin.tokens_file`.
struct Invalidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Invalidate cached paths on the running daemon (CloudFront's invalidation API).",
        discussion: """
            Paths follow CloudFront's rules: they start with /, are case-sensitive, and may end \
            with * (quote it in the shell): s3edge invalidate --distribution E2EXAMPLE '/images/*' /index.html
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .shortAndLong, help: "Distribution id, as in the configuration (e.g. E2EXAMPLE).")
    var distribution: String

    @Option(help: "File with the bearer token to use (default: the first token of admin.tokens_file).")
    var tokenFile: String?

    @Option(help: "Admin API base URL (default: from listen.admin and admin.tls).")
    var endpoint: String?

    @Option(help: "CallerReference (default: a fresh one); reusing one with the same paths returns the earlier invalidation.")
    var callerReference: String?

    @Argument(help: "Paths to invalidate.")
    var paths: [String]

    func run() throws {
        let (configuration, _) = try loadConfiguration()
        guard let admin = configuration.listen.admin else {
            throw ValidationError("listen.admin is off in \(options.config): the daemon has no admin API to call")
        }
        let token = try readToken(configuration)
        let host = admin.host == "0.0.0.0" ? "127.0.0.1" : (admin.host == "::" ? "[::1]" : admin.description.dropLast(":\(admin.port)".count).description)
        let base = endpoint ?? "\(configuration.admin.tls ? "https" : "http")://\(host):\(admin.port)"
        let reference = callerReference ?? "s3edge-cli-\(Int(Date().timeIntervalSince1970))-\(UInt32.random(in: 0...UInt32.max))"
        let request = BlockingHTTP(
            url: "\(base)/2020-05-31/distribution/\(distribution)/invalidation",
            method: "POST",
            headers: ["Authorization: Bearer \(token)", "Content-Type: text/xml"],
            body: Self.batch(callerReference: reference, paths: paths),
            verifyPeer: !Self.isLoopback(admin.host)
        )
        let response = try request.perform()
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 201 else {
            let code = Self.element("Code", in: text) ?? "HTTP \(response.status)"
            let message = Self.element("Message", in: text) ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ValidationError("the invalidation was refused: \(code): \(message)")
        }
        let id = Self.element("Id", in: text) ?? "?"
        let status = Self.element("Status", in: text) ?? "?"
        print("Invalidation \(id) of \(distribution): \(status) (\(paths.count) path\(paths.count == 1 ? "" : "s"))")
    }

    private func loadConfiguration() throws -> (EdgeConfiguration, [ConfigDiagnostic]) {
        do {
            return try ConfigLoader.load(path: options.config)
        } catch {
            throw ValidationError("cannot read \(options.config):\n\(error)")
        }
    }

    private func readToken(_ configuration: EdgeConfiguration) throws -> String {
        guard let path = tokenFile ?? configuration.admin.tokensFile else {
            throw ValidationError("no token: set admin.tokens_file in \(options.config) or pass --token-file")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read the token file \(path) (run as a user that can, e.g. with sudo)")
        }
        let token = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let token else { throw ValidationError("the token file \(path) holds no token") }
        return token
    }

    /// An `InvalidationBatch` document, as the AWS CLI sends it.
    static func batch(callerReference: String, paths: [String]) -> [UInt8] {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let items = paths.map { "<Path>\(escaped($0))</Path>" }.joined()
        return Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<InvalidationBatch xmlns=\"\(CloudFrontAPI.namespace)\">"
            + "<Paths><Quantity>\(paths.count)</Quantity><Items>\(items)</Items></Paths>"
            + "<CallerReference>\(escaped(callerReference))</CallerReference></InvalidationBatch>").utf8)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.") || host == "0.0.0.0" || host == "::"
    }

    /// The text of the first `<name>…</name>` (the documents are s3edge's own, escaped XML).
    static func element(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
