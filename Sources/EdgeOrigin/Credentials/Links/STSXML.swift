/// The few elements s3edge reads from STS's XML answers
/// (`AssumeRoleWithWebIdentityResponse`, `ErrorResponse`). STS answers are flat, unprefixed and
/// without CDATA, so finding `<Name>…</Name>` and decoding entities is the whole job.
enum STSXML {
    /// The decoded text of the first `<name>` element (attributes allowed) in `text`.
    static func element(_ name: String, in text: Substring) -> Substring? {
        var searchFrom = text.startIndex
        while let open = text[searchFrom...].firstRange(of: "<\(name)") {
            let afterName = open.upperBound
            guard afterName < text.endIndex else { return nil }
            let next = text[afterName]
            if next == ">" || next == " " || next == "\t" || next == "\n" || next == "\r" {
                guard let tagEnd = text[afterName...].firstIndex(of: ">") else { return nil }
                let contentStart = text.index(after: tagEnd)
                guard let close = text[contentStart...].firstRange(of: "</\(name)>") else { return nil }
                return text[contentStart..<close.lowerBound]
            }
            searchFrom = afterName
        }
        return nil
    }

    /// `element` with XML entities decoded and surrounding whitespace removed.
    static func value(_ name: String, in text: Substring) -> String? {
        element(name, in: text).map { decodeEntities(CredentialsText.trimmed($0)) }
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"),
                  let decoded = entity(rest[rest.index(after: amp)..<semicolon])
            else {
                output.append("&")
                rest = rest[rest.index(after: amp)...]
                continue
            }
            output.append(decoded)
            rest = rest[rest.index(after: semicolon)...]
        }
        return output + rest
    }

    private static func entity(_ name: Substring) -> Character? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            let number: UInt32?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                number = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                number = UInt32(name.dropFirst())
            } else {
                number = nil
            }
            return number.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
