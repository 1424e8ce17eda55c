/// What a signed policy allows: the one statement of a custom policy, or what a canned policy
/// (`Expires`) amounts to. Conditions are checked per request by `evaluate`; the statement itself
/// depends only on the signed bytes, so it can be cached with the verified signature.
public struct PolicyStatement: Sendable, Equatable {
    /// The `Resource` pattern; nil when the policy names none (CloudFront then allows every
    /// object the key may sign for) and for canned policies, whose resource is the requested URL
    /// by construction (it is part of the signed bytes).
    public var resource: ResourcePattern?
    /// `DateLessThan`: the request must come before this second.
    public var dateLessThan: Int64
    /// `DateGreaterThan`: the request must come after this second.
    public var dateGreaterThan: Int64?
    /// `IpAddress.AWS:SourceIp`.
    public var sourceIP: IPAddressRange?

    public init(resource: ResourcePattern?, dateLessThan: Int64, dateGreaterThan: Int64? = nil, sourceIP: IPAddressRange? = nil) {
        self.resource = resource
        self.dateLessThan = dateLessThan
        self.dateGreaterThan = dateGreaterThan
        self.sourceIP = sourceIP
    }

    /// Why the request may not use this policy, or nil when it may. Time first, then the
    /// address, then the resource.
    ///
    /// Both time bounds are exclusive, as their names say: at `now == DateLessThan` the policy
    /// has expired, and at `now == DateGreaterThan` it is not yet valid.
    func evaluate(resourceURL: [UInt8], clientIP: IPAddress?, now: Int64) -> Denial? {
        if now >= dateLessThan { return .expired }
        if let dateGreaterThan, now <= dateGreaterThan { return .notYetValid }
        if let sourceIP {
            guard let clientIP, sourceIP.contains(clientIP) else { return .ipNotAllowed }
        }
        if let resource, !resource.matches(resourceURL) { return .resourceMismatch }
        return nil
    }

    /// The statement of a custom policy's JSON (the decoded `Policy` value).
    ///
    /// Strict, so that what s3edge enforces is what the signer meant: exactly one statement
    /// (CloudFront allows only one); only the members CloudFront defines; `DateLessThan`
    /// required; times as JSON integers (CloudFront: "do not enclose the value in quotation
    /// marks"); one `AWS:SourceIp` string (CloudFront: one address or one range, no list).
    /// Member order is free: the Ruby SDK writes `IpAddress` before `DateLessThan`.
    static func parseCustom(_ json: [UInt8]) throws(PolicyError) -> PolicyStatement {
        let root = try PolicyJSONReader.parse(json)
        let top = try members(of: root, "the policy", allowed: ["Statement"])
        guard case .array(let statements)? = top["Statement"] else {
            throw PolicyError("policy has no Statement array")
        }
        guard statements.count == 1, let only = statements.first else {
            throw PolicyError("policy has \(statements.count) statements; CloudFront allows exactly one")
        }
        let statement = try members(of: only, "the statement", allowed: ["Resource", "Condition"])
        var resource: ResourcePattern? = nil
        if let value = statement["Resource"] {
            guard case .string(let text) = value else { throw PolicyError("policy Resource is not a string") }
            resource = ResourcePattern(text)
        }
        guard let conditionValue = statement["Condition"] else { throw PolicyError("policy has no Condition") }
        let condition = try members(of: conditionValue, "Condition", allowed: ["DateLessThan", "DateGreaterThan", "IpAddress"])
        guard let lessThan = condition["DateLessThan"] else {
            throw PolicyError("policy has no DateLessThan (CloudFront requires an expiry)")
        }
        var parsed = PolicyStatement(resource: resource, dateLessThan: try epochTime(lessThan, "DateLessThan"))
        if let greaterThan = condition["DateGreaterThan"] {
            parsed.dateGreaterThan = try epochTime(greaterThan, "DateGreaterThan")
        }
        if let ipAddress = condition["IpAddress"] {
            let inner = try members(of: ipAddress, "IpAddress", allowed: ["AWS:SourceIp"])
            guard case .string(let text)? = inner["AWS:SourceIp"] else {
                throw PolicyError("policy IpAddress needs one AWS:SourceIp string (a list is not allowed)")
            }
            guard let range = IPAddressRange(text) else {
                throw PolicyError("policy AWS:SourceIp \"\(text.prefix(64))\" is not an IPv4 or IPv6 address or CIDR range")
            }
            parsed.sourceIP = range
        }
        return parsed
    }

    /// An object's members by name, refusing other names and duplicates.
    private static func members(of value: JSONValue, _ name: String, allowed: Set<String>) throws(PolicyError) -> [String: JSONValue] {
        guard case .object(let pairs) = value else { throw PolicyError("policy: \(name) is not an object") }
        var result: [String: JSONValue] = [:]
        for (key, member) in pairs {
            guard allowed.contains(key) else {
                throw PolicyError("policy: unknown member \"\(key.prefix(64))\" in \(name)")
            }
            guard result.updateValue(member, forKey: key) == nil else {
                throw PolicyError("policy: \(key) appears twice in \(name)")
            }
        }
        return result
    }

    /// `{"AWS:EpochTime": <integer>}`.
    private static func epochTime(_ value: JSONValue, _ name: String) throws(PolicyError) -> Int64 {
        let inner = try members(of: value, name, allowed: ["AWS:EpochTime"])
        guard case .number(let text)? = inner["AWS:EpochTime"] else {
            throw PolicyError("policy \(name) needs AWS:EpochTime as a number")
        }
        guard let seconds = Int64(text), seconds >= 0 else {
            throw PolicyError("policy \(name) AWS:EpochTime \(text.prefix(32)) is not a whole number of seconds")
        }
        return seconds
    }
}
