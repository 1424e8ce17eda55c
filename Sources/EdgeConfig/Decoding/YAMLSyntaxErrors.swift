import Yams

/// Turns an error thrown by Yams while composing the document into a
/// `FILE:LINE: message` diagnostic.
func syntaxDiagnostic(for error: any Error, yaml: String, _ diagnostics: inout Diagnostics) {
    guard let yamlError = error as? YamlError else {
        diagnostics.error(1, "cannot parse YAML: \(error)")
        return
    }
    switch yamlError {
    case .scanner(let context, let problem, let mark, _),
        .parser(let context, let problem, let mark, _),
        .composer(let context, let problem, let mark, _):
        if problem == "but found another document" {
            diagnostics.error(
                mark.line, "a second YAML document starts here; s3edge reads one document per file, remove the \"---\"")
            return
        }
        var message = "YAML syntax error: \(problem)"
        if let context {
            message += " (\(context.text) at line \(context.mark.line))"
        }
        message += hint(forLine: mark.line, in: yaml)
        diagnostics.error(mark.line, message)
    case .reader(let problem, let offset, _, _):
        let line = offset.map { lineNumber(ofCharacterOffset: $0, in: yaml) } ?? 1
        diagnostics.error(line, "cannot read YAML: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
        let key = duplicates.first ?? "?"
        let first = context.mark
        if let second = repeatedKeyLine(key, after: first, in: yaml) {
            diagnostics.error(
                second, "duplicate key \(quoted(key)); it is already set at line \(first.line), remove one of them")
        } else {
            diagnostics.error(first.line, "duplicate key \(quoted(key)) in this mapping; remove all but one")
        }
    default:
        diagnostics.error(1, "cannot parse YAML: \(yamlError)")
    }
}

/// Yams reports a duplicate key at its first occurrence; operators want the
/// line of the repeat. Finds the next line whose key starts in the same column.
private func repeatedKeyLine(_ key: String, after first: Mark, in yaml: String) -> Int? {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard first.line >= 1, first.line < lines.count else { return nil }
    let indent = first.column - 1
    for index in first.line..<lines.count {
        let scalars = Array(lines[index].unicodeScalars)
        let leading = scalars.prefix(while: { $0 == " " }).count
        if leading == scalars.count || scalars[leading] == "#" { continue }  // blank or comment
        if leading < indent { return nil }  // the mapping ended
        if leading > indent { continue }  // a nested value
        var rest = String(String.UnicodeScalarView(scalars[indent...]))
        for quote in ["\"", "'"] where rest.hasPrefix(quote + key + quote) {
            rest = key + rest.dropFirst(key.count + 2)
        }
        guard rest.hasPrefix(key) else { continue }
        let after = rest.dropFirst(key.count).drop(while: { $0 == " " })
        if after.hasPrefix(":") { return index + 1 }
    }
    return nil
}

/// A likely cause for the two mistakes operators make most: tab indentation,
/// and unquoted IPv6 listen addresses (`[::]:443` reads as a YAML list).
private func hint(forLine line: Int, in yaml: String) -> String {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard line >= 1, line <= lines.count else { return "" }
    let text = lines[line - 1]
    if text.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
        return "; YAML does not allow tabs for indentation, use spaces"
    }
    if let bracket = text.range(of: "]:"), text[bracket.upperBound...].first?.isASCIIDigit == true,
        !text[..<bracket.lowerBound].contains("\""), !text[..<bracket.lowerBound].contains("'")
    {
        return "; quote IPv6 addresses, e.g. \"[::]:443\""
    }
    return ""
}

private func lineNumber(ofCharacterOffset offset: Int, in yaml: String) -> Int {
    1 + yaml.prefix(offset).reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
}
