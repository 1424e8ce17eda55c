import Testing

@testable import EdgeConfig

/// The required sections, appended after the section a test is about so the
/// test's YAML starts at line 1 and its line numbers are easy to read.
private let requiredSections: [(key: String, yaml: String)] = [
    ("listen", "listen:\n  https: \"0.0.0.0:443\"\n"),
    ("tls", "tls:\n  certificates:\n    - cert: site.pem\n      key: site.key\n"),
    ("distributions", "distributions:\n  - id: E1\n    hostnames: [cdn.example.com]\n"),
]

/// `head` followed by whichever required top-level sections it does not define.
func withRequired(_ head: String) -> String {
    let definedKeys = Set(head.split(separator: "\n").compactMap { line -> String? in
        guard let first = line.first, first != " ", first != "#", let colon = line.firstIndex(of: ":") else {
            return nil
        }
        return String(line[..<colon])
    })
    var yaml = head.hasSuffix("\n") || head.isEmpty ? head : head + "\n"
    for section in requiredSections where !definedKeys.contains(section.key) {
        yaml += section.yaml
    }
    return yaml
}

/// Everything `check-config` would print for `yaml` (file "s3edge.yaml"): one
/// string per diagnostic, errors and warnings, in line order; [] when it loads
/// without errors or warnings.
func diagnostics(_ yaml: String) -> [String] {
    do {
        let (_, warnings) = try ConfigLoader.parse(yaml: yaml, file: "s3edge.yaml", baseDirectory: "/etc/s3edge")
        return warnings.map(\.description)
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// Parses `yaml`, which must load; failures show the diagnostics.
func load(_ yaml: String) throws -> (EdgeConfiguration, warnings: [String]) {
    let (configuration, warnings) = try ConfigLoader.parse(
        yaml: yaml, file: "s3edge.yaml", baseDirectory: "/etc/s3edge")
    return (configuration, warnings.map(\.description))
}

/// Directory of the package root, found from this file's path.
func packageRoot(_ file: String = #filePath) -> String {
    var components = file.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)  // Tests/EdgeConfigTests/TestSupport.swift
    return components.joined(separator: "/")
}
