/// Origin keys that are each valid but cannot work together, or will not do
/// what the operator probably expects.
extension OriginSettings {
    /// An AWS endpoint must be a REST endpoint of `region` without a bucket in
    /// its host. Other hosts are the operator's business.
    static func checkAWSEndpoint(
        _ endpoint: OriginEndpoint, _ entry: ConfigEntry, region: String?, _ reader: MappingReader,
        _ diagnostics: inout Diagnostics
    ) {
        guard let kind = AWSS3Host(host: endpoint.host) else { return }
        let value = quoted(endpoint.description)
        switch kind {
        case .website(let websiteRegion):
            let rest = OriginEndpoint.aws(region: region ?? websiteRegion)
            entry.problem(
                "\(value) is an S3 website endpoint: use the bucket's REST endpoint \(rest) (the default when "
                    + "endpoint is omitted); website endpoints serve only public content and cannot be signed",
                &diagnostics)
        case .bucketStyle(let bucket, let hostRegion):
            let rest = OriginEndpoint.aws(region: region ?? hostRegion)
            entry.problem(
                "\(value) has the bucket in its host; put the bucket in bucket (\(bucket)) and use the regional "
                    + "endpoint \(rest), or remove endpoint", &diagnostics)
        case .rest(let hostRegion):
            guard let region, hostRegion != region else { return }
            let regionLine = reader["region"].map { " (line \($0.line))" } ?? ""
            entry.problem(
                "\(value) is the endpoint of region \(hostRegion), but region is \(region)\(regionLine); use "
                    + "\(OriginEndpoint.aws(region: region)) (or remove endpoint), or set region: \(hostRegion) "
                    + "if that is where the bucket is", &diagnostics)
        case .other:
            return
        }
    }

    /// The written `addressing`, else the default for the endpoint. Virtual
    /// addressing needs `BUCKET.HOST` to be a host name.
    static func decodeAddressing(
        _ reader: MappingReader, bucket: String?, endpoint: OriginEndpoint?, _ diagnostics: inout Diagnostics
    ) -> OriginAddressing {
        let defaultAddressing = defaultAddressing(for: endpoint)
        guard let entry = reader["addressing"] else { return defaultAddressing }
        guard let addressing = entry.choice(OriginAddressing.self, &diagnostics) else { return defaultAddressing }
        if addressing == .virtual, let endpoint, !endpoint.supportsVirtualAddressing {
            entry.problem(
                "virtual cannot work with endpoint \(quoted(endpoint.description)): requests would go to "
                    + "\(bucket ?? "BUCKET").\(endpoint.authority), and an IP address, localhost or a host with a "
                    + "port has no per-bucket host names; use addressing: path (the default for this endpoint)",
                &diagnostics)
        }
        return addressing
    }

    /// Checks on a fully decoded origin: errors for combinations that can
    /// never serve an object, warnings for the doubtful ones.
    func check(_ reader: MappingReader, _ diagnostics: inout Diagnostics) {
        checkSigning(reader, &diagnostics)
        let endpoint = effectiveEndpoint
        if endpoint.scheme == .http, let entry = reader["endpoint"] {
            diagnostics.warning(
                entry.line,
                "\(entry.path): plain http to the origin: only for local testing; objects and signed requests "
                    + "travel unencrypted, use https://")
            if let caFile = reader["ca_file"] {
                diagnostics.warning(caFile.line, "\(caFile.path) has no effect with a plain http endpoint")
            }
        }
        if addressing == .virtual, endpoint.scheme == .https, bucket.contains("."), let entry = reader["bucket"] {
            diagnostics.warning(
                entry.line,
                "\(entry.path): \(quoted(bucket)) contains dots: with virtual addressing over https the host "
                    + "\(hostHeader) does not match the certificate *.\(endpoint.host), so TLS verification "
                    + "fails; set addressing: path")
        }
        if !keyPrefix.isEmpty, !keyPrefix.hasSuffix("/"), let entry = reader["key_prefix"] {
            diagnostics.warning(
                entry.line,
                "\(entry.path): \(quoted(keyPrefix)) does not end with \"/\", so it also serves keys such as "
                    + "\(quoted(keyPrefix + "-private/...")) and \(quoted(keyPrefix + "s/...")); write "
                    + "\(quoted(keyPrefix + "/")) to serve only that folder")
        }
        if case .key(let arn) = requireSSEKMS, let keyRegion = ARN(arn)?.region, keyRegion != region,
            let entry = reader["require_sse_kms"]
        {
            diagnostics.warning(
                entry.line,
                "\(entry.path): the key is in region \(keyRegion) but the bucket is in \(region); S3 encrypts "
                    + "with keys of the bucket's region, so no object will match this key")
        }
        checkTimeouts(reader, &diagnostics)
    }

    private func checkSigning(_ reader: MappingReader, _ diagnostics: inout Diagnostics) {
        if signing == .noOverride, let entry = reader["signing"] {
            // Forwarding a viewer's own Authorization would also need the viewer's path spelling and
            // x-amz-* headers, which s3edge never forwards; until that exists, refuse rather than
            // silently sign anyway.
            entry.problem(
                "no-override is not supported yet: s3edge never forwards a viewer's Authorization header; "
                    + "use signing: always", &diagnostics)
            return
        }
        guard signing == .never, let entry = reader["signing"] else { return }
        if requireSSEKMS != .off {
            let which = reader["require_sse_kms"] == nil ? "on (the default)" : "on"
            entry.problem(
                "never cannot fetch SSE-KMS objects (S3 serves them only to signed requests), but require_sse_kms "
                    + "is \(which); use signing: always, or set require_sse_kms: false for a public unencrypted "
                    + "bucket", &diagnostics)
            return
        }
        diagnostics.warning(
            entry.line,
            "\(entry.path): never sends unsigned requests, so the bucket would have to be public (and readable "
                + "by anyone, bypassing this edge); use always unless that is intended")
        if let credentials = reader["credentials"], self.credentials != .defaultChain {
            diagnostics.warning(
                credentials.line, "\(credentials.path) are not used with signing: never; remove them")
        }
    }

    /// A per-phase timeout the operator wrote that can never fire, because
    /// total_timeout ends the request first.
    private func checkTimeouts(_ reader: MappingReader, _ diagnostics: inout Diagnostics) {
        let phases = [
            ("connect_timeout", connectTimeout), ("first_byte_timeout", firstByteTimeout),
            ("idle_timeout", idleTimeout),
        ]
        for (key, timeout) in phases where timeout >= totalTimeout {
            guard let entry = reader[key] else { continue }
            diagnostics.warning(
                entry.line,
                "\(entry.path): \(durationText(timeout)) is not shorter than total_timeout "
                    + "\(durationText(totalTimeout)), so it never fires; shorten it or raise total_timeout")
        }
    }
}

/// "5s", "500ms", "5m", "2h": a duration the way the configuration writes it.
func durationText(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    for (unit, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds % scale == 0 {
        return "\(milliseconds / scale)\(unit)"
    }
    return "\(milliseconds)ms"
}
