import EdgeConfig

/// A configuration as an operator would write it; certificates are not read by these tests.
func testConfiguration(
    https: String = "127.0.0.1:8443",
    policy: String = "redirect-to-https",
    hsts: Bool = false
) throws -> EdgeConfiguration {
    let yaml = """
    listen:
      https: "\(https)"
      http: "127.0.0.1:8080"
    tls:
      certificates:
        - cert: /nonexistent/site.pem
          key: /nonexistent/site.key
    viewer:
      protocol_policy: \(policy)
    \(hsts ? "  hsts: { max_age: 31536000, include_subdomains: true }" : "")
    distributions:
      - id: E2EXAMPLE
        hostnames: [cdn.example.com, "*.img.example.com"]
    """
    return try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/").0
}
