import EdgeCache
import EdgeStore
import NIOHTTP1

/// A committed cache entry as the server uses it: where its body lies, its decoded metadata, and
/// the response fields every answer from it starts with, built once per entry rather than once
/// per hit (lookups keep recent ones per event loop, `LoopSlot`).
struct StoredObject: Sendable {
    let entry: StoredEntry
    let meta: CachedResponseMeta
    /// The stored origin fields, `Server`, and `Accept-Ranges` for a 200.
    let fields: HTTPHeaders

    init(entry: StoredEntry, meta: CachedResponseMeta) {
        self.entry = entry
        self.meta = meta
        var fields = HTTPHeaders()
        fields.reserveCapacity(meta.headers.count + 8)
        // Stored without the fields s3edge sets itself (CacheFill.storedHeaders).
        for (name, value) in meta.headers { fields.add(name: name, value: value) }
        fields.add(name: "Server", value: "s3edge")
        if meta.status == 200 { fields.add(name: "Accept-Ranges", value: "bytes") }
        self.fields = fields
    }

    /// The same body with new metadata (after a 304).
    func refreshed(_ meta: CachedResponseMeta) -> StoredObject {
        StoredObject(entry: entry, meta: meta)
    }
}
