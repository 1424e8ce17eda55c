/// Key `type` of an origin. Only S3 buckets for now; the key exists so other
/// kinds of origin can be added without changing what `s3` configurations mean.
public enum OriginType: String, Sendable, Equatable, CaseIterable {
    case s3
}

/// Key `addressing`: how the bucket is named in requests to the endpoint.
public enum OriginAddressing: String, Sendable, Equatable, CaseIterable {
    /// `https://BUCKET.s3.REGION.amazonaws.com/KEY`: the bucket is part of the
    /// host name. AWS's preferred style; needs a DNS name per bucket.
    case virtual
    /// `https://s3.REGION.amazonaws.com/BUCKET/KEY`: the bucket is the first
    /// path segment. Works with any host, including IP addresses and ports.
    case path
}

/// Key `signing`, named like CloudFront's origin access control settings.
public enum OriginSigning: String, Sendable, Equatable, CaseIterable {
    /// Every origin request is signed with SigV4 (the default).
    case always
    /// Requests are sent unsigned: only a public bucket answers them.
    case never
    /// Sign only when the viewer sent no `Authorization` header of its own
    /// (CloudFront's "do not override authorization header").
    case noOverride = "no-override"
}

/// Key `require_sse_kms`: which server-side encryption an object must carry
/// (S3's `x-amz-server-side-encryption` response headers) before it is served.
/// An object that does not meet it is refused, never served.
public enum SSEKMSRequirement: Sendable, Equatable {
    /// `false`: objects are served whatever their encryption.
    case off
    /// `true` (the default): objects must be encrypted with SSE-KMS (or
    /// DSSE-KMS), under any KMS key.
    case anyKMSKey
    /// A key ARN: objects must be encrypted under exactly this KMS key, written
    /// as S3 reports it, `arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`.
    case key(String)
}
