/// Pass 1 of ``StartupCheck``: walks every `body` key once, in order, and sorts chunks into
/// those that belong to their entry and those that do not.
struct BodyScan {
    /// Body keys to delete: chunks of fills that never committed, of replaced generations, or
    /// out of place.
    private(set) var orphans: [[UInt8]] = []
    /// Entries with a chunk out of place or missing in the middle: dropped whole.
    private(set) var broken: Set<[UInt8]> = []
    private(set) var maxGeneration: UInt64 = 0

    /// The run of chunks sharing one key and generation, and the entry they should belong to.
    private struct Run {
        let key: [UInt8]
        let generation: UInt64
        /// The entry's header, if its meta record has this generation.
        let header: EntryHeader?
        var nextIndex = 0
    }

    init(environment: LMDBEnvironment, view: LMDBTransactionView) throws {
        var run: Run?
        try view.forEach(environment.body, prefix: []) { rawKey, value in
            guard let chunk = BodyKey.parse(rawKey) else {
                orphans.append(Array(rawKey))
                return true
            }
            maxGeneration = max(maxGeneration, chunk.generation)
            if run == nil || run!.generation != chunk.generation || !run!.key.elementsEqual(chunk.key) {
                if let finished = run { close(finished) }
                let key = Array(chunk.key)
                let header = try view.get(environment.meta, key).flatMap(EntryHeader.init(decoding:))
                run = Run(key: key, generation: chunk.generation,
                          header: header?.generation == chunk.generation ? header : nil)
            }
            if let header = run!.header, Int(chunk.index) == run!.nextIndex, run!.nextIndex < header.chunkCount,
               value.count == header.storedLength(ofChunk: run!.nextIndex) {
                run!.nextIndex += 1
            } else {
                orphans.append(Array(rawKey))
                if run!.header != nil { broken.insert(run!.key) }
            }
            return true
        }
        if let finished = run { close(finished) }
    }

    private mutating func close(_ run: Run) {
        if let header = run.header, run.nextIndex != header.chunkCount { broken.insert(run.key) }
    }
}
