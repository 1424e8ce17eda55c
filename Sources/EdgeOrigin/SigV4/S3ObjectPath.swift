/// The request path for an S3 object key, encoded exactly once, which is both what s3edge sends
/// and what it signs.
///
/// Every byte of the key's UTF-8 form outside `A-Za-z0-9-._~` becomes `%XX` (upper-case hex); `/`
/// stays as the separator, so `photos/café/naïve 東京.jpg` is
/// `/photos/caf%C3%A9/na%C3%AFve%20%E6%9D%B1%E4%BA%AC.jpg`. Nothing is normalized: `a//b`,
/// `./x`, `../x` and a trailing `/` are distinct keys and stay as they are. (An HTTP client
/// that normalizes dot segments, like curl without `CURLOPT_PATH_AS_IS`, would break both the
/// key and the signature.)
///
/// `+` is sent as `%2B`, never raw: S3 has historically read a raw `+` in a path as a space.
public enum S3ObjectPath {
    /// `/` followed by the encoded key, for virtual-hosted-style requests
    /// (`https://bucket.s3.region.amazonaws.com/key`).
    public static func encode(key: String) -> String {
        "/" + URIEncoding.encode(key.utf8, keepingSlash: true)
    }

    /// `/bucket/` followed by the encoded key, for path-style requests
    /// (`https://s3.region.amazonaws.com/bucket/key`).
    public static func encode(bucket: String, key: String) -> String {
        "/" + URIEncoding.encode(bucket.utf8, keepingSlash: false) + encode(key: key)
    }
}
