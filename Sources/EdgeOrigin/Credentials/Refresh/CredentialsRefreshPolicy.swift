/// When temporary credentials are refreshed and how failed refreshes are retried.
public struct CredentialsRefreshPolicy: Sendable, Equatable {
    /// Refresh this long before expiry, or at half the remaining lifetime when that is sooner.
    public var lead: Duration
    /// Credentials count as expired this long before their `Expiration`, so a request signed
    /// now is not refused for arriving a moment too late.
    public var expiryMargin: Duration
    /// First retry delay after a failed refresh; doubles per consecutive failure up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// Never wait less than this between two attempts.
    public var minimumInterval: Duration
    /// Up to this fraction of each wait is cut at random, so a fleet started together does not
    /// refresh in lockstep. 0 makes timing exact (tests).
    public var jitterFraction: Double

    public init(
        lead: Duration = .seconds(15 * 60),
        expiryMargin: Duration = .seconds(60),
        initialBackoff: Duration = .seconds(5),
        maximumBackoff: Duration = .seconds(5 * 60),
        minimumInterval: Duration = .seconds(1),
        jitterFraction: Double = 0.2
    ) {
        self.lead = lead
        self.expiryMargin = expiryMargin
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.minimumInterval = minimumInterval
        self.jitterFraction = jitterFraction
    }
}

extension Duration {
    /// Seconds as a `Double`, for `Date` arithmetic.
    fileprivate var credentialsSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension CredentialsRefreshPolicy {
    var leadSeconds: Double { lead.credentialsSeconds }
    var expiryMarginSeconds: Double { expiryMargin.credentialsSeconds }
    var initialBackoffSeconds: Double { initialBackoff.credentialsSeconds }
    var maximumBackoffSeconds: Double { maximumBackoff.credentialsSeconds }
    var minimumIntervalSeconds: Double { minimumInterval.credentialsSeconds }
}
