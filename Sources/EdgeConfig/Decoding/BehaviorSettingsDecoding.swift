/// The keys a distribution and each of its behaviors share.
extension CacheBehavior {
    static let settingKeys = [
        "cache_policy", "error_caching_min_ttl", "max_object_size",
        "viewer_protocol_policy", "allowed_methods", "restrict_viewer_access",
    ]

    /// Reads `settingKeys` from a distribution's or a behavior's mapping into a copy of `base`
    /// (for a distribution, the defaults; for a behavior, its distribution's default behavior),
    /// so absent keys keep `base`'s values. `baseName` names the base in messages about values
    /// taken from it. `restrict_viewer_access: true` is an error unless the distribution has
    /// `trusted_keys`: nothing could verify the signatures it asks for.
    static func decodeSettings(
        _ reader: MappingReader, inheriting base: CacheBehavior, baseName: String? = nil, hasTrustedKeys: Bool,
        _ diagnostics: inout Diagnostics
    ) -> CacheBehavior {
        var behavior = base
        if let entry = reader["cache_policy"],
           let policy = CachePolicySettings.decode(entry, inheriting: base.cachePolicy, baseName: baseName, &diagnostics) {
            behavior.cachePolicy = policy
        }
        behavior.errorCachingMinTTL = reader["error_caching_min_ttl"]?.ttl(&diagnostics) ?? base.errorCachingMinTTL
        behavior.maxObjectSize = reader["max_object_size"]?
            .size(in: Distribution.maxObjectSizeRange, &diagnostics) ?? base.maxObjectSize
        if let entry = reader["viewer_protocol_policy"] {
            behavior.viewerProtocolPolicy = entry.choice(ViewerProtocolPolicy.self, &diagnostics)
        }
        behavior.allowedMethods = reader["allowed_methods"]?.allowedMethods(&diagnostics) ?? base.allowedMethods
        if let entry = reader["restrict_viewer_access"], let restrict = entry.bool(&diagnostics) {
            behavior.restrictViewerAccess = restrict
            if restrict, !hasTrustedKeys {
                entry.problem(
                    "true requires signed URLs or signed cookies, but the distribution has no trusted_keys to verify "
                        + "them with; add trusted_keys (the id and public_key of the key pair your application signs "
                        + "with) to the distribution, or set restrict_viewer_access: false", &diagnostics)
            }
        }
        return behavior
    }
}

extension ConfigEntry {
    /// CloudFront's method sets that only read: `[GET, HEAD]` or `[GET, HEAD, OPTIONS]`, in
    /// any order and case. The set with writes is refused with the reason.
    func allowedMethods(_ diagnostics: inout Diagnostics) -> AllowedMethods? {
        let hint = "use [GET, HEAD] or [GET, HEAD, OPTIONS]"
        guard let items = items(expected: "a list of methods: [GET, HEAD] or [GET, HEAD, OPTIONS]", allowSingle: false,
                                &diagnostics)
        else { return nil }
        let writes: Set = ["PUT", "POST", "PATCH", "DELETE"]
        var methods: Set<String> = []
        var usable = true
        for item in items {
            guard let method = item.string(expected: "an HTTP method", &diagnostics)?.uppercased() else {
                usable = false
                continue
            }
            guard ["GET", "HEAD", "OPTIONS"].contains(method) || writes.contains(method) else {
                item.problem("\(quoted(method)) is not a method CloudFront can allow; \(hint)", &diagnostics)
                usable = false
                continue
            }
            if !methods.insert(method).inserted {
                item.problem("\(quoted(method)) is listed twice; remove one", &diagnostics)
                usable = false
            }
        }
        guard usable else { return nil }
        if let match = AllowedMethods.allCases.first(where: { Set($0.methods) == methods }) { return match }
        let written = "[" + items.compactMap { $0.node.scalar?.string }.joined(separator: ", ") + "]"
        if !methods.isDisjoint(with: writes) {
            problem(
                "\(written): s3edge only reads from S3 and never forwards PUT, POST, PATCH or DELETE, so CloudFront's "
                    + "[GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE] is not supported; \(hint)", &diagnostics)
        } else {
            problem("\(written) is not one of CloudFront's method sets; \(hint)", &diagnostics)
        }
        return nil
    }
}
