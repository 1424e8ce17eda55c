extension Distribution {
    /// Keys of each `distributions:` item.
    static let keys = ["id", "hostnames", "origin", "trusted_keys", "behaviors"] + CacheBehavior.settingKeys

    /// Decodes the list; ids and hostnames must be unique across it. Relative
    /// paths in origins are resolved against `baseDirectory`.
    static func decodeList(
        _ entry: ConfigEntry, baseDirectory: String, _ diagnostics: inout Diagnostics
    ) -> [Distribution]? {
        let errorsBefore = diagnostics.errorCount
        let expected = "a list of distributions, each with id and hostnames"
        guard let items = entry.items(expected: expected, allowSingle: false, &diagnostics) else { return nil }
        if items.isEmpty {
            entry.problem("must list at least one distribution (id and hostnames)", &diagnostics)
        }
        var distributions: [Distribution] = []
        var seen = SeenNames()
        for item in items {
            let errorsBeforeItem = diagnostics.errorCount
            guard let reader = MappingReader(item, known: keys, &diagnostics) else { continue }
            let idEntry = reader.required("id", "upper-case letters and digits, e.g. E2EXAMPLE", &diagnostics)
            let id = idEntry?.upperCaseID(example: "E2EXAMPLE", &diagnostics)
            if let id, let idEntry {
                if let firstLine = seen.idLines[id] {
                    idEntry.problem(
                        "\(quoted(id)) is already used by the distribution at line \(firstLine); ids must be unique",
                        &diagnostics)
                } else {
                    seen.idLines[id] = idEntry.line
                }
            }
            let purpose = "names this distribution serves, e.g. [cdn.example.com]"
            let hostnames = reader.required("hostnames", purpose, &diagnostics).map {
                decodeHostnames($0, owner: id ?? "at line \(item.keyLine)", seen: &seen, &diagnostics)
            }
            let origin = reader["origin"].flatMap {
                OriginSettings.decode($0, baseDirectory: baseDirectory, &diagnostics)
            }
            let hasTrustedKeys = reader["trusted_keys"] != nil
            let defaultBehavior = CacheBehavior.decodeSettings(
                reader, inheriting: CacheBehavior(pathPattern: .everything, line: item.keyLine),
                hasTrustedKeys: hasTrustedKeys, &diagnostics)
            let trustedKeys = reader["trusted_keys"].map {
                TrustedKeySettings.decodeList($0, baseDirectory: baseDirectory, &diagnostics)
            } ?? []
            let behaviors = reader["behaviors"].map {
                CacheBehavior.decodeList($0, inheriting: defaultBehavior, hasTrustedKeys: hasTrustedKeys, &diagnostics)
            } ?? []
            guard let id, let hostnames else { continue }
            var distribution = Distribution(
                id: id, hostnames: hostnames, origin: origin, trustedKeys: trustedKeys, behaviors: behaviors,
                line: item.keyLine)
            distribution.defaultBehavior = defaultBehavior
            if diagnostics.errorCount == errorsBeforeItem, let keysEntry = reader["trusted_keys"] {
                distribution.warnIfNothingRestricted(keysEntry, &diagnostics)
            }
            distributions.append(distribution)
        }
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return distributions
    }

    /// Trusted keys without any restricted path are never asked for: every object stays public,
    /// which is likely not what adding them was meant to do.
    private func warnIfNothingRestricted(_ keysEntry: ConfigEntry, _ diagnostics: inout Diagnostics) {
        guard !defaultBehavior.restrictViewerAccess, !behaviors.contains(where: \.restrictViewerAccess) else { return }
        diagnostics.warning(
            keysEntry.keyLine,
            "\(keysEntry.path): neither distribution \(id) nor any of its behaviors sets restrict_viewer_access: true, "
                + "so signatures are never required and every path is public; set restrict_viewer_access: true on "
                + "the distribution or on the behaviors of private paths")
    }

    /// Ids and hostnames already used by earlier distributions, with their lines.
    private struct SeenNames {
        var idLines: [String: Int] = [:]
        var hostnameOwners: [String: (id: String, line: Int)] = [:]
    }

    /// A hostname or a list of them, each valid, lower-cased and not already
    /// served by another distribution.
    private static func decodeHostnames(
        _ entry: ConfigEntry, owner: String, seen: inout SeenNames, _ diagnostics: inout Diagnostics
    ) -> [String] {
        let items = entry.items(expected: "a hostname or a list of them", allowSingle: true, &diagnostics) ?? []
        if case .sequence(let list) = entry.node, list.isEmpty {
            entry.problem("must list at least one hostname, e.g. [cdn.example.com]", &diagnostics)
        }
        var hostnames: [String] = []
        for item in items {
            guard let text = item.text(expected: "a hostname", &diagnostics) else { continue }
            switch normalizeHostname(text, allowWildcard: true) {
            case .failure(let problem):
                item.problem(problem.message, &diagnostics)
            case .success(let name) where hostnames.contains(name):
                item.problem("\(quoted(name)) is listed twice in this distribution; remove one", &diagnostics)
            case .success(let name):
                if let first = seen.hostnameOwners[name] {
                    item.problem(
                        "\(quoted(name)) is already served by distribution \(first.id) (line \(first.line)); "
                            + "a hostname may belong to one distribution only", &diagnostics)
                } else {
                    seen.hostnameOwners[name] = (owner, item.line)
                }
                hostnames.append(name)
            }
        }
        return hostnames
    }
}

extension ConfigEntry {
    /// `[A-Z0-9]+`, at most 128 characters, like CloudFront's distribution and key ids;
    /// `example` shows one in the message.
    func upperCaseID(example: String, _ diagnostics: inout Diagnostics) -> String? {
        guard let id = string(expected: "an id like \(example)", &diagnostics) else { return nil }
        let valid = id.utf8.count <= 128 && id.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        guard valid else {
            problem(
                "\(quoted(id)) is not a valid id; use only upper-case letters and digits, like \"\(example)\"",
                &diagnostics)
            return nil
        }
        return id
    }
}
