import NIOCore

/// Stores one body as it streams in from the origin: ``append(_:)`` its bytes in order, then
/// ``commit(meta:)`` or ``abort()``. Dropping an open handle aborts it.
///
/// Bytes are cut into chunks here without copying (slices of the appended buffers) and copied
/// once, by the writer, into the map. Storing never holds up the response: a fill that fails
/// (no room, writer overloaded, invalidated) just reports it at commit.
///
/// Not thread-safe: one owner, normally the event loop the response streams on.
public final class FillHandle {
    private enum State {
        case open(FillID)
        /// The fill can no longer commit; the writer has been told (if it knew the fill).
        case failed(CacheStoreError)
        case finished
    }

    public let key: [UInt8]
    private let eventLoop: any EventLoop
    private let chunkSize: Int
    private let mailbox: WriterMailbox?
    private var state: State
    private var parts: [ByteBuffer] = []
    private var partsLength = 0

    init(key: [UInt8], id: FillID, chunkSize: Int, mailbox: WriterMailbox, eventLoop: any EventLoop) {
        self.key = key
        self.eventLoop = eventLoop
        self.chunkSize = chunkSize
        self.mailbox = mailbox
        state = .open(id)
    }

    init(key: [UInt8], rejected: CacheStoreError, eventLoop: any EventLoop) {
        self.key = key
        self.eventLoop = eventLoop
        chunkSize = 1
        mailbox = nil
        state = .failed(rejected)
    }

    deinit {
        if case .open(let id) = state { _ = mailbox?.post(.abort(id)) }
    }

    /// Appends body bytes; every full chunk goes to the writer at once.
    public func append(_ bytes: ByteBuffer) {
        guard case .open(let id) = state else { return }
        var bytes = bytes
        while bytes.readableBytes > 0 {
            let length = min(chunkSize - partsLength, bytes.readableBytes)
            parts.append(bytes.readSlice(length: length)!)
            partsLength += length
            guard partsLength == chunkSize else { continue }
            let chunk = parts
            parts = []
            partsLength = 0
            if let error = mailbox?.post(.chunk(id, parts: chunk, length: chunkSize)) {
                _ = mailbox?.post(.abort(id))
                state = .failed(error)
                return
            }
        }
    }

    /// Stores the last chunk and `meta` and makes the entry visible, replacing any older one.
    /// The future (on the handle's event loop) succeeds once that is committed, or fails with a
    /// ``CacheStoreError`` and nothing of this fill stays behind (if it failed for lack of room
    /// at this point, the older entry it was to replace is gone too).
    public func commit(meta: ByteBuffer) -> EventLoopFuture<Void> {
        switch state {
        case .finished:
            return eventLoop.makeFailedFuture(CacheStoreError.aborted)
        case .failed(let error):
            state = .finished
            return eventLoop.makeFailedFuture(error)
        case .open(let id):
            state = .finished
            let promise = eventLoop.makePromise(of: Void.self)
            let last = parts
            let length = partsLength
            parts = []
            if let error = mailbox?.post(.commit(id, parts: last, length: length, meta: meta, promise: promise)) {
                promise.fail(error)
            }
            return promise.futureResult
        }
    }

    /// Drops everything appended; nothing of this fill becomes visible.
    public func abort() {
        if case .open(let id) = state { _ = mailbox?.post(.abort(id)) }
        state = .finished
        parts = []
    }
}

@available(*, unavailable)
extension FillHandle: Sendable {}
