import Yams

/// Reads `s3edge.yaml` into an `EdgeConfiguration`, reporting every problem as
/// `FILE:LINE: message` (what `s3edge check-config` prints).
public enum ConfigLoader {
    /// Top-level sections. A new section is one entry here plus one line in
    /// `decode(root:)`.
    static let topLevelKeys = ["listen", "tls", "viewer", "limits", "log", "cache", "admin", "access_log", "distributions"]

    /// Reads and validates the file. Returns the configuration plus warnings;
    /// throws ConfigLoadError with every error found. Relative certificate paths
    /// are resolved against the file's directory.
    public static func load(path: String) throws(ConfigLoadError) -> (EdgeConfiguration, warnings: [ConfigDiagnostic]) {
        let yaml: String
        switch readTextFile(path) {
        case .success(let text): yaml = text
        case .failure(let problem):
            throw ConfigLoadError(diagnostics: [
                ConfigDiagnostic(file: path, line: 0, severity: .error, message: problem.message)
            ])
        }
        return try parse(yaml: yaml, file: path, baseDirectory: directory(of: absolutePath(path)))
    }

    /// Validates YAML text. `file` is only used in diagnostics; relative paths in
    /// the configuration are resolved against `baseDirectory`.
    public static func parse(
        yaml: String, file: String, baseDirectory: String
    ) throws(ConfigLoadError) -> (EdgeConfiguration, warnings: [ConfigDiagnostic]) {
        var diagnostics = Diagnostics(file: file)
        var root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            syntaxDiagnostic(for: error, yaml: yaml, &diagnostics)
        }
        var configuration: EdgeConfiguration?
        if !diagnostics.hasErrors {
            configuration = decode(root: root, baseDirectory: baseDirectory, &diagnostics)
        }
        guard let configuration, !diagnostics.hasErrors else {
            throw ConfigLoadError(diagnostics: diagnostics.sorted)
        }
        return (configuration, warnings: diagnostics.warnings)
    }

    private static func decode(
        root: Node?, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> EdgeConfiguration? {
        let sections = alternatives(topLevelKeys)
        guard let root, !(root.scalar?.isNull ?? false) else {
            diagnostics.error(1, "the configuration is empty; it needs at least listen, tls and distributions "
                + "(see s3edge.example.yaml)")
            return nil
        }
        guard case .mapping(let mapping) = root else {
            diagnostics.error(root.mark?.line ?? 1, "expected a mapping of sections (\(sections)) at top level, "
                + "got \(root.kindDescription)")
            return nil
        }
        let reader = MappingReader(mapping, path: "", line: mapping.mark?.line ?? 1, known: topLevelKeys, &diagnostics)
        let listen = reader.required("listen", "where to accept connections, e.g. https: \"0.0.0.0:443\"", &diagnostics)
            .flatMap { ListenConfiguration.decode($0, &diagnostics) }
        let tls = reader.required("tls", "certificates to serve HTTPS with", &diagnostics)
            .flatMap { TLSSettings.decode($0, baseDirectory: baseDirectory, &diagnostics) }
        let viewer = reader["viewer"].map { ViewerSettings.decode($0, &diagnostics) } ?? ViewerSettings()
        let limits = reader["limits"].map { LimitSettings.decode($0, &diagnostics) } ?? LimitSettings()
        let log = reader["log"].map { LogSettings.decode($0, &diagnostics) } ?? LogSettings()
        let cache = reader["cache"].map { CacheSettings.decode($0, baseDirectory: baseDirectory, &diagnostics) }
            ?? CacheSettings()
        let admin = reader["admin"].map { AdminSettings.decode($0, baseDirectory: baseDirectory, &diagnostics) }
            ?? AdminSettings()
        let accessLog = reader["access_log"].map { AccessLogSettings.decode($0, baseDirectory: baseDirectory, &diagnostics) }
            ?? AccessLogSettings()
        let distributions = reader.required("distributions", "which hostnames to serve", &diagnostics)
            .flatMap { Distribution.decodeList($0, baseDirectory: baseDirectory, &diagnostics) }
        guard let listen, let tls, let viewer, let limits, let log, let cache, let admin, let accessLog,
            let distributions
        else { return nil }
        let configuration = EdgeConfiguration(
            listen: listen, tls: tls, viewer: viewer, limits: limits, log: log, cache: cache,
            admin: admin, accessLog: accessLog, distributions: distributions)
        crossSectionWarnings(configuration, reader, &diagnostics)
        cacheWarnings(configuration, reader, &diagnostics)
        adminWarnings(configuration, reader, &diagnostics)
        return configuration
    }

    /// Settings that are each valid but do not work together as expected.
    private static func crossSectionWarnings(
        _ configuration: EdgeConfiguration, _ root: MappingReader, _ diagnostics: inout Diagnostics
    ) {
        let policy = configuration.viewer.protocolPolicy
        guard configuration.listen.http.isEmpty, policy != .httpsOnly,
            let policyEntry = root["viewer"]?.child("protocol_policy")
        else { return }
        diagnostics.warning(
            policyEntry.line,
            "viewer.protocol_policy: \(policy.rawValue) has no effect without a plain-HTTP listener; "
                + "add listen.http (e.g. \"0.0.0.0:80\") or use https-only")
    }
}
