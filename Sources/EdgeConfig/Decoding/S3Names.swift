/// AWS's naming rules for what an origin names: buckets, regions and ARNs.
/// Each check returns the rule broken, worded to follow the quoted value.

/// Why `name` is not a valid S3 general purpose bucket name, or nil.
func bucketNameProblem(_ name: String) -> String? {
    let length = name.utf8.count
    guard (3...63).contains(length) else {
        return "it has \(length) characters; bucket names have 3 to 63"
    }
    guard name.utf8.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
    else {
        return "it may contain only lower-case letters, digits, dots and hyphens"
    }
    guard let first = name.utf8.first, let last = name.utf8.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last)
    else {
        return "it must begin and end with a letter or digit"
    }
    if name.contains("..") {
        return "it must not contain two adjacent dots"
    }
    let labels = name.split(separator: ".", omittingEmptySubsequences: false)
    if labels.count == 4, labels.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) {
        return "it must not be shaped like an IP address"
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) {
        return "the prefix \(quoted(prefix)) is reserved by S3"
    }
    let reservedSuffixes = [
        ("-s3alias", "access point aliases"), ("--ol-s3", "Object Lambda access point aliases"),
        (".mrap", "Multi-Region Access Points"), ("--x-s3", "directory buckets"), ("--table-s3", "table buckets"),
    ]
    for (suffix, owner) in reservedSuffixes where name.hasSuffix(suffix) {
        return "the suffix \(quoted(suffix)) is reserved by S3 for \(owner)"
    }
    return nil
}

/// An AWS region code: `[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+`, as in
/// "eu-west-2", "us-gov-west-1", "us-isob-east-1"; a four-letter area also
/// takes a country ("eusc-de-east-1", the European Sovereign Cloud).
func isAWSRegion(_ text: some StringProtocol) -> Bool {
    var parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count >= 3, parts.count <= 4, let area = parts.first, let number = parts.last,
        area.count == 2 || area.count == 4, area.allSatisfy(isLowerLetter),
        !number.isEmpty, number.allSatisfy(\.isASCIIDigit)
    else { return false }
    parts = Array(parts.dropFirst().dropLast())
    if parts.count == 2 {
        let partition = parts.removeFirst()
        let known = partition == "gov" || partition.hasPrefix("iso") || area.count == 4
        guard known, partition.allSatisfy(isLowerLetter) else {
            return false
        }
    }
    return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isLowerLetter) }
}

/// A region name for a non-AWS store: lower-case letters and digits in
/// hyphen-separated words ("us-east-1", "auto", "garage").
func isStoreRegion(_ text: String) -> Bool {
    let words = text.split(separator: "-", omittingEmptySubsequences: false)
    return words.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(isLowerAlphanumeric) }
}

/// The six fields of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, or nil
/// when `text` does not have them.
struct ARN {
    let partition: Substring
    let service: Substring
    let region: Substring
    let account: Substring
    let resource: Substring

    init?(_ text: String) {
        let fields = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn" else { return nil }
        (partition, service, region, account, resource) = (fields[1], fields[2], fields[3], fields[4], fields[5])
    }

    /// Why the partition or account is malformed, or nil.
    var accountProblem: String? {
        let suffix = partition.dropFirst(3)
        let isPartition = partition.hasPrefix("aws") && (suffix.isEmpty || suffix.hasPrefix("-"))
        guard isPartition, suffix.allSatisfy({ isLowerLetter($0) || $0 == "-" }) else {
            return "partition \(quoted(partition)) is not an AWS partition (aws, aws-cn, aws-us-gov, ...)"
        }
        guard account.count == 12, account.allSatisfy(\.isASCIIDigit) else {
            return "account \(quoted(account)) is not a 12-digit AWS account id"
        }
        return nil
    }
}

/// A KMS key id: a UUID ("1234abcd-12ab-34cd-56ef-1234567890ab") or a
/// multi-Region key id ("mrk-" and 32 hex digits).
func isKMSKeyID(_ id: some StringProtocol) -> Bool {
    if id.hasPrefix("mrk-") {
        let hex = id.dropFirst(4)
        return hex.count == 32 && hex.allSatisfy(isASCIIHexDigit)
    }
    let groups = id.split(separator: "-", omittingEmptySubsequences: false)
    return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(isASCIIHexDigit) }
}

private func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}

private func isLowerLetter(_ character: Character) -> Bool {
    character >= "a" && character <= "z"
}

private func isASCIIHexDigit(_ character: Character) -> Bool {
    character.isASCIIDigit || ("a"..."f").contains(character) || ("A"..."F").contains(character)
}
