/// What an AWS host name (`*.amazonaws.com`, `*.amazonaws.com.cn`) is to S3,
/// so an `endpoint` that cannot work is caught before the first request.
enum AWSS3Host: Equatable {
    /// A REST endpoint of the region: `s3.REGION`, `s3.dualstack.REGION`,
    /// `s3-fips[.dualstack].REGION`, legacy `s3-REGION`; `s3` and
    /// `s3-external-1` are us-east-1.
    case rest(region: String)
    /// A REST endpoint with a bucket in front (`BUCKET.s3.REGION...`).
    case bucketStyle(bucket: String, region: String)
    /// A static website endpoint (`[BUCKET.]s3-website-REGION`,
    /// `[BUCKET.]s3-website.REGION`): public content only, cannot be signed.
    case website(region: String)
    /// Some other AWS host (access points, other services): not checked.
    case other

    /// nil for hosts outside AWS's domains.
    init?(host: String) {
        guard let domain = [".amazonaws.com", ".amazonaws.com.cn"].first(where: { host.hasSuffix($0) }) else {
            return nil
        }
        let labels = host.dropLast(domain.count).split(separator: ".", omittingEmptySubsequences: false)
        guard let last = labels.last else { return nil }
        var serviceIndex = labels.count - 1
        var service = last
        var region: Substring
        if isAWSRegion(last), labels.count >= 2 {
            region = last
            serviceIndex -= 1
            if labels[serviceIndex] == "dualstack", serviceIndex > 0 { serviceIndex -= 1 }
            service = labels[serviceIndex]
        } else if last == "s3" || last == "s3-external-1" {
            region = "us-east-1"
        } else if last.hasPrefix("s3-website-"), isAWSRegion(last.dropFirst("s3-website-".count)) {
            region = last.dropFirst("s3-website-".count)
            service = "s3-website"
        } else if last.hasPrefix("s3-"), isAWSRegion(last.dropFirst(3)) {
            region = last.dropFirst(3)
            service = "s3"
        } else {
            self = .other
            return
        }
        let bucket = labels[..<serviceIndex].joined(separator: ".")
        switch service {
        case "s3-website":
            self = .website(region: String(region))
        case "s3", "s3-fips", "s3-external-1":
            self = bucket.isEmpty ? .rest(region: String(region)) : .bucketStyle(bucket: bucket, region: String(region))
        default:
            self = .other
        }
    }
}
