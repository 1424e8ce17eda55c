/// What a viewer's own `Cache-Control` (and `Pragma: no-cache`) request headers
/// do to a lookup: nothing, as in CloudFront.
///
/// A browser's reload sends `Cache-Control: no-cache` / `max-age=0`. Honouring
/// it would let any viewer turn every request into a signed origin fetch (and a
/// KMS decrypt) just by holding Shift: an amplifier aimed at the private bucket
/// and its bill. Freshness is the operator's decision (TTLs, the origin's own
/// headers, invalidations), not the viewer's. The directives are still parsed
/// (`CacheControl(headers:)`), e.g. for logging.
public enum ViewerCacheControl {
    /// Whether these viewer directives make s3edge skip the cache. Always
    /// false: `no-cache`, `no-store`, `max-age=0` and `only-if-cached` are
    /// ignored. One place to change should an opt-in ever be wanted.
    public static func forcesOriginFetch(_ directives: CacheControl) -> Bool {
        false
    }
}
