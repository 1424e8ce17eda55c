import Foundation
import Testing

@testable import EdgeConfig

@Suite("distribution origin: prefix, signing, encryption, timeouts and files")
struct OriginOptionsTests {
    /// bucket on line 5, region on line 6, `rest` from line 7.
    private func origin(_ rest: String) -> String {
        originYAML("      bucket: assets\n      region: eu-west-2\n" + rest)
    }

    private let path = "distributions[0].origin"
    private let keyARN = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    @Test("key_prefix: no leading slash; without a trailing slash it is a warning")
    func keyPrefix() throws {
        #expect(diagnostics(origin("      key_prefix: /img/\n")) == [
            "s3edge.yaml:7: \(path).key_prefix: \"/img/\" must not start with \"/\": S3 keys have no leading slash; "
                + "write \"img/\""
        ])
        let (prefixed, warnings) = try loadOrigin(origin("      key_prefix: img\n"))
        #expect(prefixed.keyPrefix == "img")
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path).key_prefix: \"img\" does not end with \"/\", so it also serves keys such "
                + "as \"img-private/...\" and \"imgs/...\"; write \"img/\" to serve only that folder"
        ])
        let (whole, none) = try loadOrigin(origin("      key_prefix: \"\"\n"))
        #expect(whole.keyPrefix == "" && none.isEmpty)
    }

    @Test("default_root_object is a key without a leading slash")
    func defaultRootObject() {
        #expect(diagnostics(origin("      default_root_object: /index.html\n")) == [
            "s3edge.yaml:7: \(path).default_root_object: \"/index.html\" must not start with \"/\"; write "
                + "\"index.html\", a key relative to key_prefix"
        ])
    }

    @Test("signing: never cannot fetch SSE-KMS objects, so it needs require_sse_kms: false, and warns")
    func signingNever() throws {
        #expect(diagnostics(origin("      signing: never\n")) == [
            "s3edge.yaml:7: \(path).signing: never cannot fetch SSE-KMS objects (S3 serves them only to signed "
                + "requests), but require_sse_kms is on (the default); use signing: always, or set "
                + "require_sse_kms: false for a public unencrypted bucket"
        ])
        let yaml = origin("      signing: never\n      require_sse_kms: false\n      credentials: { profile: reader }\n")
        let (unsigned, warnings) = try loadOrigin(yaml)
        #expect(unsigned.signing == .never && unsigned.requireSSEKMS == .off)
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path).signing: never sends unsigned requests, so the bucket would have to be "
                + "public (and readable by anyone, bypassing this edge); use always unless that is intended",
            "s3edge.yaml:9: warning: \(path).credentials are not used with signing: never; remove them",
        ])
        #expect(diagnostics(origin("      signing: sometimes\n")) == [
            "s3edge.yaml:7: \(path).signing: \"sometimes\" is not supported; use always, never or no-override"
        ])
    }

    @Test("signing: no-override is refused until viewer Authorization forwarding exists")
    func signingNoOverride() {
        #expect(diagnostics(origin("      signing: no-override\n")) == [
            "s3edge.yaml:7: \(path).signing: no-override is not supported yet: s3edge never forwards a viewer's "
                + "Authorization header; use signing: always"
        ])
    }

    @Test("require_sse_kms: a boolean or a KMS key ARN")
    func requireSSEKMSValues() throws {
        #expect(try loadOrigin(origin("      require_sse_kms: true\n")).0.requireSSEKMS == .anyKMSKey)
        #expect(try loadOrigin(origin("      require_sse_kms: off\n")).0.requireSSEKMS == .off)
        #expect(try loadOrigin(origin("      require_sse_kms: \(keyARN)\n")).0.requireSSEKMS == .key(keyARN))
        let multiRegion = "arn:aws:kms:eu-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
        #expect(try loadOrigin(origin("      require_sse_kms: \(multiRegion)\n")).0.requireSSEKMS == .key(multiRegion))
        let gov = "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        let yaml = originYAML("      bucket: assets\n      region: us-gov-west-1\n      require_sse_kms: \(gov)\n")
        #expect(try loadOrigin(yaml).0.requireSSEKMS == .key(gov))
    }

    @Test(
        "require_sse_kms: values that are not a key ARN say why",
        arguments: [
            ("yes please", "\"yes please\" is not true, false or a KMS key ARN; write true (any KMS key), false "
                + "(no check) or arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"),
            ("alias/media", "\"alias/media\" is not an ARN; write the key's full ARN, "
                + "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"),
            ("arn:aws:kms:eu-west-2:111122223333:alias/media",
             "\"arn:aws:kms:eu-west-2:111122223333:alias/media\" is not a KMS key ARN: it names an alias, but S3 "
                + "reports the key's ARN on each object, never the alias; write the key's ARN (aws kms describe-key "
                + "--key-id arn:aws:kms:eu-west-2:111122223333:alias/media --query KeyMetadata.Arn)"),
            ("arn:aws:s3:::assets", "\"arn:aws:s3:::assets\" is not a KMS key ARN: its service is \"s3\", not kms; "
                + "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"),
            ("arn:aws:kms:eu-west-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
             "\"arn:aws:kms:eu-west-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab\" is not a KMS key ARN: account "
                + "\"1111\" is not a 12-digit AWS account id"),
            ("arn:aws:kms:europe:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
             "\"arn:aws:kms:europe:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\" is not a KMS key ARN: "
                + "\"europe\" is not a region code; write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"),
            ("arn:aws:kms:eu-west-2:111122223333:key/abc",
             "\"arn:aws:kms:eu-west-2:111122223333:key/abc\" is not a KMS key ARN: the resource must be key/KEY-ID, "
                + "with a key id like 1234abcd-12ab-34cd-56ef-1234567890ab or mrk-..."),
        ])
    func badKeyARN(value: String, message: String) {
        #expect(diagnostics(origin("      require_sse_kms: \"\(value)\"\n")) == [
            "s3edge.yaml:7: \(path).require_sse_kms: \(message)"
        ])
    }

    @Test("a KMS key in another region than the bucket is a warning")
    func keyRegionMismatch() throws {
        let other = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        let (_, warnings) = try loadOrigin(origin("      require_sse_kms: \(other)\n"))
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path).require_sse_kms: the key is in region us-east-1 but the bucket is in "
                + "eu-west-2; S3 encrypts with keys of the bucket's region, so no object will match this key"
        ])
    }

    @Test("timeouts, connection limit and retries are range-checked")
    func limits() throws {
        let yaml = origin(
            "      connect_timeout: 0\n      idle_timeout: soon\n      max_connections: 0\n      retries: 9\n")
        #expect(diagnostics(yaml) == [
            "s3edge.yaml:7: \(path).connect_timeout: must be greater than 0, got \"0\"",
            "s3edge.yaml:8: \(path).idle_timeout: \"soon\" is not a duration; write a number with a unit ms, s, m, "
                + "h or d (e.g. \"10s\", \"500ms\", \"2m\") or a bare number of seconds",
            "s3edge.yaml:9: \(path).max_connections: must be between 1 and 10000, got 0",
            "s3edge.yaml:10: \(path).retries: must be between 0 and 5, got 9",
        ])
    }

    @Test("a phase timeout not shorter than total_timeout is a warning")
    func timeoutOrder() throws {
        let (origin, warnings) = try loadOrigin(origin("      first_byte_timeout: 10m\n      idle_timeout: 90s\n"))
        #expect(origin.firstByteTimeout == .seconds(600))
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path).first_byte_timeout: 10m is not shorter than total_timeout 5m, so it "
                + "never fires; shorten it or raise total_timeout"
        ])
        let (_, defaulted) = try loadOrigin(self.origin("      total_timeout: 10s\n"))
        #expect(defaulted.isEmpty, "defaulted timeouts are not the operator's choice")
        #expect(durationText(.milliseconds(1500)) == "1500ms" && durationText(.seconds(7200)) == "2h")
    }

    @Test("ca_file must exist and be a readable file; relative paths name the resolved path")
    func caFile() {
        #expect(diagnostics(origin("      ca_file: tls/origin-ca.pem\n")) == [
            "s3edge.yaml:7: \(path).ca_file: cannot read \"/etc/s3edge/tls/origin-ca.pem\": no such file"
        ])
        #expect(diagnostics(origin("      ca_file: /\n")) == [
            "s3edge.yaml:7: \(path).ca_file: \"/\" is a directory; give a PEM file"
        ])
        #expect(diagnostics(origin("      ca_file: ~/ca.pem\n")) == [
            "s3edge.yaml:7: \(path).ca_file: \"~/ca.pem\": \"~\" is not expanded; write an absolute path"
        ])
    }

    @Test("plain http to the origin is a warning, and ca_file then has no effect")
    func plainHTTP() throws {
        let url = try #require(Bundle.module.url(forResource: "origin-ca", withExtension: "pem", subdirectory: "Fixtures"))
        let yaml = origin("      endpoint: http://minio.test\n      ca_file: \(url.path)\n      require_sse_kms: false\n")
        let (_, warnings) = try loadOrigin(yaml)
        #expect(warnings == [
            "s3edge.yaml:7: warning: \(path).endpoint: plain http to the origin: only for local testing; objects "
                + "and signed requests travel unencrypted, use https://",
            "s3edge.yaml:8: warning: \(path).ca_file has no effect with a plain http endpoint",
        ])
    }
}
