import ArgumentParser
import EdgeConfig
import Foundation

/// What the subcommands that call the running daemon's admin API share: the configuration (to
/// find `listen.admin` and `admin.tokens_file`), a token, and the base URL.
struct AdminAPIOptions: ParsableArguments {
    @OptionGroup var options: ConfigOption

    @Option(help: "File with the bearer token to use (default: the first token of admin.tokens_file).")
    var tokenFile: String?

    @Option(help: "Admin API base URL (default: from listen.admin and admin.tls).")
    var endpoint: String?

    /// A request to `path` on the admin API, authenticated with the token.
    func request(path: String, method: String, headers: [String] = [], body: [UInt8] = []) throws -> BlockingHTTP {
        let configuration = try loadConfiguration()
        guard let admin = configuration.listen.admin else {
            throw ValidationError("listen.admin is off in \(options.config): the daemon has no admin API to call")
        }
        let token = try readToken(configuration)
        let host = admin.host == "0.0.0.0" ? "127.0.0.1" : (admin.host == "::" ? "[::1]" : admin.description.dropLast(":\(admin.port)".count).description)
        let base = endpoint ?? "\(configuration.admin.tls ? "https" : "http")://\(host):\(admin.port)"
        return BlockingHTTP(
            url: base + path, method: method, headers: ["Authorization: Bearer \(token)"] + headers, body: body,
            verifyPeer: !Self.isLoopback(admin.host)
        )
    }

    private func loadConfiguration() throws -> EdgeConfiguration {
        do {
            return try ConfigLoader.load(path: options.config).0
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

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.") || host == "0.0.0.0" || host == "::"
    }
}
