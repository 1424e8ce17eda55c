/// The last few grants one viewer connection was given, by the request exactly as it was sent.
///
/// A browser (or an app) sends the same signed URL or the same signed cookies over and over on
/// one connection: every request for a page's images carries the same `Cookie` field. When a
/// request repeats one remembered here byte for byte (scheme, host, target, `Cookie` fields),
/// with the same trusted keys and from the same address, everything the verifier would compute
/// from it is what it computed before: the fields, the resource, the signature check and the
/// resource and address conditions. Only the time conditions depend on when it comes, and
/// they are checked again on every use. So a repeat costs a few comparisons instead of parsing
/// and percent-decoding the query and looking the signature up in the store's shared cache.
///
/// One per connection (an HTTP/1.1 connection's requests, or every stream of an HTTP/2
/// connection), used on the connection's event loop only: no locks. Only grants are kept;
/// refusals are always worked out again. The entries hold their store, so a configuration
/// reload (a new store) never reuses them, and nothing outlives the connection.
public final class SignedRequestMemo {
    /// Grants kept, most recently used first.
    public static let capacity = 4
    /// Requests whose target and cookies together are longer are not kept.
    static let maximumRequestBytes = 8192

    private struct Entry {
        let keys: TrustedKeyStore
        let scheme: String
        let host: String
        let target: String
        let cookieHeaders: [String]
        let clientIP: IPAddress?
        let grant: Grant
        let notBefore: Int64?
    }

    private var entries: [Entry] = []

    public init() {}

    /// How many grants are kept now.
    public var count: Int { entries.count }

    /// The remembered outcome for this exact request, with the time conditions checked at
    /// `now`; nil when it was not remembered.
    func recall(keys: TrustedKeyStore, scheme: String, host: String, target: String, cookieHeaders: [String],
                clientIP: IPAddress?, now: Int64) -> Result<Grant, Denial>? {
        guard let index = entries.firstIndex(where: { entry in
            entry.keys === keys && entry.target == target && entry.host == host && entry.scheme == scheme
                && entry.clientIP == clientIP && entry.cookieHeaders == cookieHeaders
        }) else { return nil }
        let entry = entries[index]
        if index > 0 {
            entries.remove(at: index)
            entries.insert(entry, at: 0)
        }
        if now >= entry.grant.expires { return .failure(.expired) }
        if let notBefore = entry.notBefore, now <= notBefore { return .failure(.notYetValid) }
        return .success(entry.grant)
    }

    /// Keeps a grant the verifier just gave this request.
    func remember(_ grant: Grant, notBefore: Int64?, keys: TrustedKeyStore, scheme: String, host: String, target: String,
                  cookieHeaders: [String], clientIP: IPAddress?) {
        let size = target.utf8.count + cookieHeaders.reduce(0) { $0 + $1.utf8.count }
        guard size <= Self.maximumRequestBytes else { return }
        if entries.count == Self.capacity { entries.removeLast() }
        entries.insert(Entry(keys: keys, scheme: scheme, host: host, target: target, cookieHeaders: cookieHeaders,
                             clientIP: clientIP, grant: grant, notBefore: notBefore), at: 0)
    }
}

@available(*, unavailable)
extension SignedRequestMemo: Sendable {}
