/// Where one distribution's objects live, as the request builder needs it: plain values derived
/// from the configuration once per generation.
public struct S3OriginTarget: Sendable, Equatable {
    public enum Addressing: Sendable, Equatable {
        /// `https://BUCKET.s3.REGION.amazonaws.com/KEY`
        case virtual
        /// `https://s3.REGION.amazonaws.com/BUCKET/KEY`
        case path
    }

    /// `https` or `http` (tests and local stores only).
    public var scheme: String
    /// Host and port requests are sent to, and the `Host` header (`bucket.s3.eu-west-2.amazonaws.com`).
    public var authority: String
    public var bucket: String
    public var region: String
    public var addressing: Addressing
    /// Only keys under this prefix can be reached; prepended to every key.
    public var keyPrefix: String
    /// Served for `/`; without one, `/` is answered locally and never becomes a bucket listing.
    public var defaultRootObject: String

    public init(
        scheme: String, authority: String, bucket: String, region: String,
        addressing: Addressing, keyPrefix: String = "", defaultRootObject: String = ""
    ) {
        self.scheme = scheme
        self.authority = authority
        self.bucket = bucket
        self.region = region
        self.addressing = addressing
        self.keyPrefix = keyPrefix
        self.defaultRootObject = defaultRootObject
    }

    /// The path sent on the wire (and signed) for `key`: encoded exactly once.
    func wirePath(forKey key: String) -> String {
        switch addressing {
        case .virtual: S3ObjectPath.encode(key: key)
        case .path: S3ObjectPath.encode(bucket: bucket, key: key)
        }
    }
}
