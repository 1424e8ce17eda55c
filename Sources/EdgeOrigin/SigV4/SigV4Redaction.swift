/// What descriptions print instead of credential-bearing values: the session token, and the
/// Authorization header or `X-Amz-Signature` that make a request or URL usable by whoever holds it.
enum SigV4Redaction {
    static let mask = "****"
    private static let secretHeaders: Set<String> = ["authorization", "x-amz-security-token"]
    private static let secretQueryNames: Set<String> = ["x-amz-security-token", "x-amz-signature"]

    static func headerValue(name: String, value: String) -> String {
        secretHeaders.contains(CanonicalHeaders.canonicalName(name)) ? mask : value
    }

    static func queryValue(name: String, value: String) -> String {
        secretQueryNames.contains(name.lowercased()) ? mask : value
    }
}
