import NIOCore

/// A sweep between two of its batches: what it asks, where it stopped, what it deleted.
/// Travels through the mailbox as ``WriterOperation/sweep(_:)``, one batch per trip.
struct SweepProgress: Sendable {
    let matches: @Sendable (_ key: [UInt8], _ meta: ByteBuffer?) -> Bool
    let batchSize: Int
    let promise: EventLoopPromise<Int>
    /// The last key examined; nil before the first batch.
    var resumeAfter: [UInt8]?
    var deleted = 0

    init(matches: @escaping @Sendable (_ key: [UInt8], _ meta: ByteBuffer?) -> Bool, batchSize: Int,
         promise: EventLoopPromise<Int>) {
        self.matches = matches
        self.batchSize = max(1, batchSize)
        self.promise = promise
    }
}

extension StoreWriter {
    /// One batch of a sweep: examines up to `batchSize` entries after the last one examined,
    /// deletes those that match as ``removeEntry(_:in:)`` does for any delete, and once this
    /// transaction commits, either completes the sweep or posts its next batch behind whatever
    /// was queued meanwhile. The first batch also fails the fills in progress that match
    /// (their body may predate what the sweep removes).
    func sweepBatch(_ sweep: SweepProgress, in transaction: WriteTransaction) throws {
        // Without its key a sealed store cannot tell what matches; the caller retries later.
        if let keyring = configuration.keyring, !keyring.isReady {
            transaction.completions.append { sweep.promise.fail(CacheStoreError.keyUnavailable) }
            return
        }
        if sweep.resumeAfter == nil { invalidateFills { sweep.matches($0, nil) } }
        var next = sweep
        var doomed: [[UInt8]] = []
        var examined = 0
        var reachedEnd = true
        var meta = ByteBuffer()
        try transaction.view.forEach(environment.meta, after: sweep.resumeAfter) { key, value in
            guard examined < sweep.batchSize else {
                reachedEnd = false
                return false
            }
            examined += 1
            let key = Array(key)
            next.resumeAfter = key
            // Start-up drops undecodable records; one here was written behind the store's back.
            guard let header = EntryHeader(decoding: value) else { return true }
            meta.clear()
            if let keyID = header.keyID {
                // An entry that cannot be opened can never be served: it goes too.
                guard let cipher, cipher.openMeta(value, key: key, keyID: keyID, headerLength: header.length, into: &meta) else {
                    doomed.append(key)
                    return true
                }
            } else {
                meta.writeBytes(UnsafeRawBufferPointer(rebasing: value[header.length...]))
            }
            if sweep.matches(key, meta) { doomed.append(key) }
            return true
        }
        for key in doomed { try removeEntry(key, in: transaction) }
        next.deleted += doomed.count
        let mailbox = self.mailbox
        transaction.completions.append { [next, reachedEnd] in
            if reachedEnd {
                next.promise.succeed(next.deleted)
            } else if let error = mailbox.post(.sweep(next)) {
                next.promise.fail(error)
            }
        }
    }
}
