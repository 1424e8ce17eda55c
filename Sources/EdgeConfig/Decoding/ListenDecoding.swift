extension ListenConfiguration {
    /// Keys of the `listen:` section.
    static let keys = ["https", "http", "admin"]

    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> ListenConfiguration? {
        let errorsBefore = diagnostics.errorCount
        guard let reader = MappingReader(entry, known: keys, &diagnostics) else { return nil }
        var placed: [PlacedAddress] = []
        let https = reader.required("https", "address to accept HTTPS on, e.g. \"0.0.0.0:443\"", &diagnostics)
            .map { addresses($0, role: "listen.https", into: &placed, &diagnostics) } ?? []
        let http = reader["http"].map { addresses($0, role: "listen.http", into: &placed, &diagnostics) } ?? []
        var admin: ListenAddress? = ListenConfiguration.defaultAdmin
        if let entry = reader["admin"] {
            admin = entry.node.scalar.flatMap { parseBool($0.string) } == false
                ? nil : address(entry, role: "listen.admin", into: &placed, &diagnostics)
        }
        if let entry = reader["https"], case .sequence(let list) = entry.node, list.isEmpty {
            entry.problem("must list at least one address, e.g. \"0.0.0.0:443\"", &diagnostics)
        }
        reportConflicts(placed, &diagnostics)
        guard diagnostics.errorCount == errorsBefore else { return nil }
        return ListenConfiguration(https: https, http: http, admin: admin)
    }

    /// `"host:port"` or a list of them.
    private static func addresses(
        _ entry: ConfigEntry, role: String, into placed: inout [PlacedAddress], _ diagnostics: inout Diagnostics
    ) -> [ListenAddress] {
        let expected = "\"host:port\" or a list of them"
        guard let items = entry.items(expected: expected, allowSingle: true, &diagnostics) else { return [] }
        return items.compactMap { address($0, role: role, into: &placed, &diagnostics) }
    }

    private static func address(
        _ entry: ConfigEntry, role: String, into placed: inout [PlacedAddress], _ diagnostics: inout Diagnostics
    ) -> ListenAddress? {
        guard let text = entry.text(expected: "\"host:port\"", &diagnostics) else { return nil }
        switch ListenAddress.parse(text, line: entry.line) {
        case .success(let address):
            placed.append(PlacedAddress(path: entry.path, role: role, address: address))
            return address
        case .failure(let problem):
            entry.problem(problem.message, &diagnostics)
            return nil
        }
    }

    /// Every address may be bound once; a wildcard and a specific address of the
    /// same family on the same port also conflict at bind. Reported at the later
    /// line, naming the earlier one.
    private static func reportConflicts(_ placed: [PlacedAddress], _ diagnostics: inout Diagnostics) {
        let ordered = placed.enumerated()
            .sorted { ($0.element.address.line, $0.offset) < ($1.element.address.line, $1.offset) }
            .map(\.element)
        for (index, later) in ordered.enumerated() {
            for earlier in ordered[..<index] where earlier.address.port == later.address.port {
                let first = "\(earlier.role) at line \(earlier.address.line)"
                if earlier.address == later.address {
                    diagnostics.error(
                        later.address.line,
                        "\(later.path): \(quoted(later.address.description)) is already listed in \(first); "
                            + "an address can be bound only once, remove one of them")
                    break
                }
                if overlapAtBind(earlier.address.host, later.address.host) {
                    diagnostics.error(
                        later.address.line,
                        "\(later.path): \(quoted(later.address.description)) conflicts with "
                            + "\(quoted(earlier.address.description)) in \(first): a wildcard address and a "
                            + "specific one on the same port cannot both be bound; use another port or keep one")
                    break
                }
            }
        }
    }

    /// Whether two different hosts on the same port would collide when bound:
    /// "0.0.0.0" covers every IPv4 address, "::" every IPv6 address (bound
    /// IPv6-only), and a name may resolve to either family.
    static func overlapAtBind(_ lhs: String, _ rhs: String) -> Bool {
        func family(_ host: String) -> (wildcard: Bool, v4: Bool, v6: Bool) {
            if host == "0.0.0.0" { return (true, true, false) }
            if host == "::" { return (true, false, true) }
            if host.contains(":") { return (false, false, true) }
            if host.allSatisfy({ $0.isASCIIDigit || $0 == "." }) { return (false, true, false) }
            return (false, true, true)  // a name: may resolve to either family
        }
        let a = family(lhs)
        let b = family(rhs)
        if a.wildcard || b.wildcard {
            return (a.v4 && b.v4) || (a.v6 && b.v6)
        }
        let loopbacks: Set = ["localhost", "127.0.0.1", "::1"]
        return lhs == "localhost" && loopbacks.contains(rhs) || rhs == "localhost" && loopbacks.contains(lhs)
    }
}

/// A parsed address with the key path it was written under, for conflict messages.
struct PlacedAddress {
    let path: String
    let role: String
    let address: ListenAddress
}
