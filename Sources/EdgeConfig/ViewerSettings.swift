/// What happens to plain-HTTP requests, named like CloudFront's
/// "Viewer protocol policy".
public enum ViewerProtocolPolicy: String, Sendable, Equatable, CaseIterable {
    /// Answer HTTP with a 301 to the same URL over HTTPS (the default).
    case redirectToHTTPS = "redirect-to-https"
    /// Refuse HTTP requests with 403.
    case httpsOnly = "https-only"
    /// Serve content over HTTP and HTTPS alike.
    case allowAll = "allow-all"
}

/// `Strict-Transport-Security` header sent on HTTPS responses.
public struct HSTSSettings: Sendable, Equatable {
    /// Seconds browsers must keep using HTTPS (`max-age`); required when `hsts`
    /// is given, >= 0 (0 tells browsers to forget the policy).
    public var maxAge: Int
    /// Default false: also cover every subdomain, which must all serve HTTPS.
    public var includeSubdomains: Bool
    /// Default false: consent to inclusion in browsers' preload lists. The
    /// hstspreload.org rules require include_subdomains and max_age >= 31536000,
    /// so those are enforced when it is true.
    public var preload: Bool

    public init(maxAge: Int, includeSubdomains: Bool = false, preload: Bool = false) {
        self.maxAge = maxAge
        self.includeSubdomains = includeSubdomains
        self.preload = preload
    }

    /// Minimum `max_age` hstspreload.org accepts: one year.
    public static let preloadMinimumMaxAge = 31_536_000

    /// The header value, e.g. "max-age=31536000; includeSubDomains; preload".
    /// Computed, so it always agrees with the fields.
    public var headerValue: String {
        var value = "max-age=\(maxAge)"
        if includeSubdomains { value += "; includeSubDomains" }
        if preload { value += "; preload" }
        return value
    }
}

/// Section `viewer:`: how the edge treats viewers (browsers, clients).
public struct ViewerSettings: Sendable, Equatable {
    /// Default redirect-to-https: the CloudFront default that keeps old http://
    /// links working while content is only served encrypted.
    public var protocolPolicy: ViewerProtocolPolicy
    /// nil (the default) sends no HSTS header: HSTS is hard to undo, so it is
    /// opt-in. Written as a flow map `{ max_age: 31536000 }` or a block map.
    public var hsts: HSTSSettings?

    public init(protocolPolicy: ViewerProtocolPolicy = .redirectToHTTPS, hsts: HSTSSettings? = nil) {
        self.protocolPolicy = protocolPolicy
        self.hsts = hsts
    }
}
