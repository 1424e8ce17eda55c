/// The store could not open its directory at all (as opposed to an unreadable file, which is
/// rebuilt): the cause and what the operator can do.
public struct CacheStoreOpenError: Error, Hashable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public let fix: String

    public var description: String {
        "cannot open the cache at \(path) (\(reason)): \(fix)"
    }
}
