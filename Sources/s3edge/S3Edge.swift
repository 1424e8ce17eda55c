import ArgumentParser
import EdgeServer

/// `s3edge`: a self-hosted, CloudFront-style HTTPS edge cache for private S3 content.
@main
struct S3Edge: AsyncParsableCommand {
    static let version = s3edgeVersion

    static let configuration = CommandConfiguration(
        commandName: "s3edge",
        abstract: "A CloudFront-style HTTPS edge cache for private S3 buckets.",
        version: version,
        subcommands: [Serve.self, CheckConfig.self, MakeCert.self, Invalidate.self, CacheCommand.self]
    )
}

/// `--config FILE`, shared by the subcommands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (YAML).")
    var config: String = "/etc/s3edge/s3edge.yaml"
}
