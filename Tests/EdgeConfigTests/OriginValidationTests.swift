import Testing

@testable import EdgeConfig

@Suite("distribution origin: bucket, region, endpoint and addressing checks")
struct OriginValidationTests {
    /// bucket on line 5, region on line 6, `rest` from line 7.
    private func origin(bucket: String = "assets", region: String = "eu-west-2", _ rest: String = "") -> String {
        originYAML("      bucket: \"\(bucket)\"\n      region: \"\(region)\"\n" + rest)
    }

    private let path = "distributions[0].origin"

    @Test(
        "bucket names follow S3's naming rules, and the message names the rule broken",
        arguments: [
            ("ab", "it has 2 characters; bucket names have 3 to 63"),
            (String(repeating: "a", count: 64), "it has 64 characters; bucket names have 3 to 63"),
            ("My_Assets", "it may contain only lower-case letters, digits, dots and hyphens"),
            ("-assets", "it must begin and end with a letter or digit"),
            ("assets.", "it must begin and end with a letter or digit"),
            ("my..assets", "it must not contain two adjacent dots"),
            ("192.168.5.4", "it must not be shaped like an IP address"),
            ("xn--assets", "the prefix \"xn--\" is reserved by S3"),
            ("sthree-assets", "the prefix \"sthree-\" is reserved by S3"),
            ("assets-s3alias", "the suffix \"-s3alias\" is reserved by S3 for access point aliases"),
            ("assets--ol-s3", "the suffix \"--ol-s3\" is reserved by S3 for Object Lambda access point aliases"),
            ("assets--x-s3", "the suffix \"--x-s3\" is reserved by S3 for directory buckets"),
        ])
    func bucketRules(name: String, rule: String) {
        #expect(diagnostics(origin(bucket: name)) == [
            "s3edge.yaml:5: \(path).bucket: \(quoted(name)) is not a valid bucket name: \(rule) (S3 bucket naming rules)"
        ])
    }

    @Test("a bucket URL or ARN is not a bucket name; a missing bucket or region says what it is")
    func bucketForms() {
        #expect(diagnostics(origin(bucket: "s3://assets")) == [
            "s3edge.yaml:5: \(path).bucket: \"s3://assets\" is not a bucket name; write the name alone, "
                + "e.g. myapp-private-assets"
        ])
        #expect(diagnostics(withRequired("distributions:\n  - id: E1\n    hostnames: [a.example.com]\n    origin: {}\n"))
            == [
                "s3edge.yaml:4: \(path): missing required key \"bucket\" (the S3 bucket's name, e.g. myapp-private-assets)",
                "s3edge.yaml:4: \(path): missing required key \"region\" (the bucket's AWS region, e.g. eu-west-2)",
            ])
    }

    @Test(
        "regions are AWS region codes; the message shows the expected shape",
        arguments: [
            ("europe", "\"europe\" is not an AWS region code; write one shaped like eu-west-2, us-east-1 or "
                + "us-gov-west-1 (the bucket's region, shown in the S3 console)"),
            ("eu west 2", "\"eu west 2\" is not an AWS region code; write one shaped like eu-west-2, us-east-1 or "
                + "us-gov-west-1 (the bucket's region, shown in the S3 console)"),
            ("EU-West-2", "\"EU-West-2\": region codes are lower case; write eu-west-2"),
            ("eu-west-2a", "\"eu-west-2a\" is an availability zone, not a region; write eu-west-2"),
        ])
    func badRegion(region: String, message: String) {
        #expect(diagnostics(origin(region: region)) == ["s3edge.yaml:6: \(path).region: \(message)"])
    }

    @Test("real region codes of every partition are accepted", arguments: [
        "us-east-1", "eu-west-2", "ap-southeast-2", "il-central-1", "us-gov-west-1", "us-iso-east-1",
        "us-isob-east-1", "cn-north-1", "eusc-de-east-1",
    ])
    func goodRegion(region: String) {
        #expect(diagnostics(origin(region: region)) == [])
    }

    @Test("other stores choose their own region names; garbage is still refused")
    func storeRegion() throws {
        let (origin, _) = try loadOrigin(self.origin(region: "auto", "      endpoint: https://r2.example.net\n"))
        #expect(origin.region == "auto")
        #expect(diagnostics(self.origin(region: "My Store", "      endpoint: https://r2.example.net\n")) == [
            "s3edge.yaml:6: \(path).region: \"My Store\" is not a region name; use lower-case letters, digits and "
                + "hyphens, as the store expects in signatures (most S3-compatible stores use us-east-1)"
        ])
    }

    @Test(
        "an endpoint is scheme://host[:port] and nothing else",
        arguments: [
            ("s3.eu-west-2.amazonaws.com",
             "\"s3.eu-west-2.amazonaws.com\" has no scheme; write \"https://s3.eu-west-2.amazonaws.com\""),
            ("ftp://files.example.com",
             "\"ftp://files.example.com\" uses the scheme \"ftp\"; write https:// (or http:// for local testing only)"),
            ("https://s3.eu-west-2.amazonaws.com/assets",
             "\"https://s3.eu-west-2.amazonaws.com/assets\" has a path (\"/assets\"); the endpoint is only "
                + "scheme://host[:port]: put the bucket in bucket and a key prefix in key_prefix"),
            ("https://minio.internal/?versionId=1",
             "must be only scheme://host[:port]; remove the query string or fragment after \"https://minio.internal\""),
            ("http://localhost:99999",
             "\"http://localhost:99999\" has an invalid port \"99999\"; use a number from 1 to 65535"),
            ("http://::1:9000", "\"http://::1:9000\": write IPv6 addresses in brackets, e.g. \"http://[::1]:9000\""),
            ("http://[::g]:9000", "\"http://[::g]:9000\" does not have a valid IPv6 address in brackets"),
            ("https://", "\"https://\" has no host; write e.g. \"https://s3.eu-west-2.amazonaws.com\""),
            ("http://300.1.1.1", "\"http://300.1.1.1\": \"300.1.1.1\" is not a valid IPv4 address"),
            ("https://bad_host.example.com",
             "\"https://bad_host.example.com\": \"bad_host.example.com\" is not a valid hostname: label \"bad_host\" "
                + "may contain only letters, digits and hyphens"),
        ])
    func endpointSyntax(endpoint: String, message: String) {
        #expect(diagnostics(origin("      endpoint: \"\(endpoint)\"\n")) == [
            "s3edge.yaml:7: \(path).endpoint: \(message)"
        ])
    }

    @Test("credentials in the endpoint URL are refused without being printed")
    func endpointUserinfo() {
        let found = diagnostics(origin("      endpoint: \"https://admin:hunter2@minio.internal:9000\"\n"))
        #expect(found == [
            "s3edge.yaml:7: \(path).endpoint: must not contain credentials (user:password@); remove them from the "
                + "URL and use credentials instead"
        ])
        #expect(!found.joined().contains("hunter2"))
    }

    @Test(
        "S3 website endpoints are refused with the REST endpoint to use",
        arguments: [
            "https://s3-website-eu-west-2.amazonaws.com", "https://s3-website.eu-west-2.amazonaws.com",
            "http://assets.s3-website.eu-west-2.amazonaws.com", "http://assets.s3-website-us-east-1.amazonaws.com",
        ])
    func websiteEndpoint(endpoint: String) {
        #expect(diagnostics(origin("      endpoint: \(endpoint)\n")) == [
            "s3edge.yaml:7: \(path).endpoint: \"\(endpoint)\" is an S3 website endpoint: use the bucket's REST "
                + "endpoint https://s3.eu-west-2.amazonaws.com (the default when endpoint is omitted); website "
                + "endpoints serve only public content and cannot be signed"
        ])
    }

    @Test(
        "an AWS endpoint of another region than region is an error naming both",
        arguments: [
            ("https://s3.us-east-1.amazonaws.com", "us-east-1"),
            ("https://s3.dualstack.us-west-2.amazonaws.com", "us-west-2"),
            ("https://s3-fips.us-east-2.amazonaws.com", "us-east-2"),
            ("https://s3-fips.dualstack.ca-central-1.amazonaws.com", "ca-central-1"),
            ("https://s3-us-west-1.amazonaws.com", "us-west-1"),
            ("https://s3.amazonaws.com", "us-east-1"),
            ("https://s3-external-1.amazonaws.com", "us-east-1"),
        ])
    func endpointRegionMismatch(endpoint: String, endpointRegion: String) {
        #expect(diagnostics(origin("      endpoint: \(endpoint)\n")) == [
            "s3edge.yaml:7: \(path).endpoint: \"\(endpoint)\" is the endpoint of region \(endpointRegion), but "
                + "region is eu-west-2 (line 6); use https://s3.eu-west-2.amazonaws.com (or remove endpoint), or "
                + "set region: \(endpointRegion) if that is where the bucket is"
        ])
    }

    @Test("AWS endpoints of the bucket's region are accepted", arguments: [
        "https://s3.eu-west-2.amazonaws.com", "https://s3.dualstack.eu-west-2.amazonaws.com",
        "https://s3-fips.dualstack.eu-west-2.amazonaws.com", "https://s3.eu-west-2.amazonaws.com:443/",
    ])
    func endpointRegionMatch(endpoint: String) throws {
        let (origin, warnings) = try loadOrigin(origin("      endpoint: \(endpoint)\n"))
        #expect(warnings.isEmpty)
        #expect(origin.addressing == .virtual)
    }

    @Test("a bucket-style endpoint: the bucket belongs in bucket")
    func bucketStyleEndpoint() {
        #expect(diagnostics(origin("      endpoint: https://my.assets.s3.eu-west-2.amazonaws.com\n")) == [
            "s3edge.yaml:7: \(path).endpoint: \"https://my.assets.s3.eu-west-2.amazonaws.com\" has the bucket in "
                + "its host; put the bucket in bucket (my.assets) and use the regional endpoint "
                + "https://s3.eu-west-2.amazonaws.com, or remove endpoint"
        ])
    }

    @Test(
        "explicit virtual addressing cannot work with an IP address, localhost or a port",
        arguments: ["http://127.0.0.1:9000", "http://localhost", "https://minio.internal:9000"])
    func virtualWithoutHostNames(endpoint: String) {
        let authority = endpoint.split(separator: "/").last ?? ""
        let yaml = origin("      endpoint: \(endpoint)\n      addressing: virtual\n      require_sse_kms: false\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:8: \(path).addressing: virtual cannot work with endpoint \"\(endpoint)\": requests would go "
                + "to assets.\(authority), and an IP address, localhost or a host with a port has no per-bucket host "
                + "names; use addressing: path (the default for this endpoint)"
        ])
    }

    @Test("a dotted bucket with virtual addressing over https is a warning suggesting path")
    func dottedBucket() throws {
        let (_, warnings) = try loadOrigin(origin(bucket: "media.example.com"))
        #expect(warnings == [
            "s3edge.yaml:5: warning: \(path).bucket: \"media.example.com\" contains dots: with virtual addressing "
                + "over https the host media.example.com.s3.eu-west-2.amazonaws.com does not match the certificate "
                + "*.s3.eu-west-2.amazonaws.com, so TLS verification fails; set addressing: path"
        ])
        let (origin, none) = try loadOrigin(origin(bucket: "media.example.com", "      addressing: path\n"))
        #expect(none.isEmpty)
        #expect(origin.hostHeader == "s3.eu-west-2.amazonaws.com" && origin.basePath == "/media.example.com")
    }

    @Test("type: only s3 origins are supported")
    func originType() {
        #expect(diagnostics(originYAML("      type: http\n      bucket: assets\n      region: eu-west-2\n")) == [
            "s3edge.yaml:5: \(path).type: \"http\" is not supported: only s3 origins are supported (type: s3)"
        ])
    }

    @Test("unknown origin keys suggest the closest; origin must be a mapping")
    func unknownKeys() {
        #expect(diagnostics(origin("      key_prefx: img/\n")) == [
            "s3edge.yaml:7: unknown key \"key_prefx\" in \(path); did you mean \"key_prefix\"?"
        ])
        #expect(diagnostics(withRequired("distributions:\n  - id: E1\n    hostnames: [a.example.com]\n    origin: x\n"))
            == [
                "s3edge.yaml:4: \(path): expected a mapping with keys \(OriginSettings.keys.joined(separator: ", ")), "
                    + "got the string \"x\""
            ])
        #expect(diagnostics(withRequired("distributions:\n  - id: E1\n    hostnames: [a.example.com]\n    orign: {}\n"))
            == ["s3edge.yaml:4: unknown key \"orign\" in distributions[0]; did you mean \"origin\"?"])
    }
}
