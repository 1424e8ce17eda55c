extension SSEKMSRequirement {
    /// The shape written in fixes.
    static let keyARNShape = "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"

    /// `true`, `false`, or the ARN of the one KMS key objects must use. S3
    /// reports the key's ARN on every object, never an alias, so the key is
    /// compared by ARN and aliases are refused with the command that finds it.
    static func decode(_ entry: ConfigEntry, _ diagnostics: inout Diagnostics) -> SSEKMSRequirement? {
        guard let text = entry.text(expected: "true, false or a KMS key ARN", &diagnostics) else { return nil }
        if let flag = parseBool(text) { return flag ? .anyKMSKey : .off }
        guard let arn = ARN(text) else {
            if text.hasPrefix("alias/") || isKMSKeyID(text) {
                entry.problem("\(quoted(text)) is not an ARN; write the key's full ARN, \(keyARNShape)", &diagnostics)
            } else {
                entry.problem(
                    "\(quoted(text)) is not true, false or a KMS key ARN; write true (any KMS key), false "
                        + "(no check) or \(keyARNShape)", &diagnostics)
            }
            return nil
        }
        if let problem = problem(arn, text) {
            entry.problem("\(quoted(text)) is not a KMS key ARN: \(problem)", &diagnostics)
            return nil
        }
        return .key(text)
    }

    private static func problem(_ arn: ARN, _ text: String) -> String? {
        guard arn.service == "kms" else {
            return "its service is \(quoted(arn.service)), not kms; write \(keyARNShape)"
        }
        if let problem = arn.accountProblem { return problem }
        guard isAWSRegion(arn.region) else {
            return "\(quoted(arn.region)) is not a region code; write \(keyARNShape)"
        }
        if arn.resource.hasPrefix("alias/") {
            return "it names an alias, but S3 reports the key's ARN on each object, never the alias; write the "
                + "key's ARN (aws kms describe-key --key-id \(text) --query KeyMetadata.Arn)"
        }
        guard arn.resource.hasPrefix("key/"), isKMSKeyID(arn.resource.dropFirst(4)) else {
            return "the resource must be key/KEY-ID, with a key id like 1234abcd-12ab-34cd-56ef-1234567890ab "
                + "or mrk-..."
        }
        return nil
    }
}
