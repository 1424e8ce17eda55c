/// DNS names as written in `distributions[].hostnames` and listen hosts.

/// The lower-cased name (one trailing dot removed), or why it is not a valid
/// DNS name. With `allowWildcard`, "*.example.com" is accepted: the `*` must be
/// the whole leftmost label and at least two labels must follow it.
func normalizeHostname(_ text: String, allowWildcard: Bool) -> Result<String, ValueProblem> {
    let value = quoted(text)
    var name = text.lowercased()
    if name.hasSuffix(".") { name.removeLast() }
    guard !name.isEmpty else { return .failure(ValueProblem("hostname must not be empty")) }
    if name.contains(":") || name.contains("/") {
        return .failure(ValueProblem("\(value) is not a hostname; write the name only, without scheme, port or path"))
    }
    guard name.utf8.count <= 253 else {
        return .failure(ValueProblem("\(value) is longer than 253 characters, the DNS limit"))
    }
    var labels = name.split(separator: ".", omittingEmptySubsequences: false)
    if labels.first == "*" {
        guard allowWildcard else {
            return .failure(ValueProblem("\(value): wildcards are not allowed here"))
        }
        labels.removeFirst()
        guard labels.count >= 2 else {
            return .failure(ValueProblem(
                "\(value) is too broad; a wildcard needs at least two labels after \"*.\", as in \"*.example.com\""))
        }
    }
    if labels.contains(where: { $0.contains("*") }) {
        let hint = allowWildcard ? "; \"*\" must be the whole leftmost label, as in \"*.example.com\"" : ""
        return .failure(ValueProblem("\(value) is not a valid hostname\(hint)"))
    }
    for label in labels {
        if let problem = labelProblem(label) {
            return .failure(ValueProblem("\(value) is not a valid hostname: \(problem)"))
        }
    }
    if let last = labels.last, last.allSatisfy(\.isNumber) {
        return .failure(ValueProblem("\(value) looks like an IP address; write a DNS name"))
    }
    return .success(name)
}

private func labelProblem(_ label: Substring) -> String? {
    if label.isEmpty { return "it has an empty label (\"..\" or a leading dot)" }
    if label.utf8.count > 63 { return "label \(quoted(label)) is longer than 63 characters" }
    let allowed = label.utf8.allSatisfy { byte in
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }
    if !allowed { return "label \(quoted(label)) may contain only letters, digits and hyphens" }
    if label.hasPrefix("-") || label.hasSuffix("-") {
        return "label \(quoted(label)) must not start or end with a hyphen"
    }
    return nil
}
