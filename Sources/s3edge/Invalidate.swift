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

    @OptionGroup var api: AdminAPIOptions

    @Option(name: .shortAndLong, help: "Distribution id, as in the configuration (e.g. E2EXAMPLE).")
    var distribution: String

    @Option(help: "CallerReference (default: a fresh one); reusing one with the same paths returns the earlier invalidation.")
    var callerReference: String?

    @Argument(help: "Paths to invalidate.")
    var paths: [String]

    func run() throws {
        let reference = callerReference ?? "s3edge-cli-\(Int(Date().timeIntervalSince1970))-\(UInt32.random(in: 0...UInt32.max))"
        let request = try api.request(
            path: "/2020-05-31/distribution/\(distribution)/invalidation", method: "POST",
            headers: ["Content-Type: text/xml"], body: Self.batch(callerReference: reference, paths: paths))
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
