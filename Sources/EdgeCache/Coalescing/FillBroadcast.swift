import NIOCore

/// Request collapsing: the state of one origin fetch shared by every viewer that asks for its
/// key meanwhile. A value type with no I/O: each event is a `mutating func` that says whom to
/// wake and whether the origin may send more; the integrator holds it under a lock and acts
/// after releasing it.
///
/// Viewers pull: a subscriber asks ``next(for:)`` and gets the answer (the response head, or
/// whatever the integrator decided), then every body part it has not taken yet, then the end.
/// When there is nothing new it gets `.wait` and is returned by the next event that brings
/// something (`wake`). So each viewer goes at its own pace; a slow one never holds up another.
///
/// Late joiners replay the parts received so far, which are kept up to `retainLimit` bytes.
/// Past that, the fill stops taking joiners, drops the parts every subscriber has taken, and
/// the origin is read no further ahead of the slowest subscriber than `lagWindow` (unless no
/// subscriber is left: then the fill goes on for the cache at the origin's pace).
///
/// A subscriber that leaves (viewer gone, range satisfied) never stops the fill. A fill that
/// ends `.failed` ends every subscriber with `.failed`, so a cut body is never presented as
/// complete.
public struct FillBroadcast<Subscriber: Hashable & Sendable, Answer: Sendable>: Sendable {
    public enum End: Sendable, Equatable {
        case complete
        case failed
    }

    public enum Progress: Sendable {
        /// Nothing new: the subscriber is woken when there is.
        case wait
        case answer(Answer)
        /// Body parts starting at this offset in the body.
        case parts([ByteBuffer], offset: Int)
        case end(End)
    }

    private struct Cursor: Sendable {
        var answered = false
        /// Index of the next part to hand out.
        var next = 0
        var waiting = false
    }

    public let retainLimit: Int
    public let lagWindow: Int
    public private(set) var answer: Answer?
    public private(set) var end: End?
    /// Body bytes received so far.
    public private(set) var received = 0
    /// False once more than `retainLimit` bytes arrived (or the fill ended and was released).
    public private(set) var acceptingJoiners = true
    private var parts: [ByteBuffer] = []
    private var offsets: [Int] = []
    /// Parts before this index have been released.
    private var firstRetained = 0
    private var cursors: [Subscriber: Cursor] = [:]
    /// The origin was told to wait for the slowest subscriber.
    private var originPaused = false

    public init(retainLimit: Int, lagWindow: Int) {
        self.retainLimit = retainLimit
        self.lagWindow = lagWindow
    }

    public var subscriberCount: Int { cursors.count }

    /// Bytes kept for subscribers and joiners.
    public var retainedBytes: Int {
        parts[firstRetained...].reduce(0) { $0 + $1.readableBytes }
    }

    // MARK: Subscribers

    /// Adds a subscriber; false when joiners are no longer taken (it must fetch on its own).
    public mutating func join(_ subscriber: Subscriber) -> Bool {
        guard acceptingJoiners else { return false }
        if cursors[subscriber] == nil { cursors[subscriber] = Cursor() }
        return true
    }

    /// The subscriber's next step, and whether the origin may now be read again (`demandMore`).
    public mutating func next(for subscriber: Subscriber) -> (Progress, resumeOrigin: Bool) {
        guard var cursor = cursors[subscriber] else { return (.end(.failed), false) }
        defer { if cursors[subscriber] != nil { cursors[subscriber] = cursor } }
        guard let answer else {
            cursor.waiting = true
            return (.wait, false)
        }
        if !cursor.answered {
            cursor.answered = true
            return (.answer(answer), false)
        }
        if cursor.next < parts.count {
            let first = cursor.next
            let taken = Array(parts[first...])
            cursor.next = parts.count
            cursors[subscriber] = cursor
            releaseTakenParts()
            return (.parts(taken, offset: offsets[first]), resumeIfCaughtUp())
        }
        if let end { return (.end(end), false) }
        cursor.waiting = true
        return (.wait, false)
    }

    /// The subscriber is gone; answers whether the origin may now be read again.
    public mutating func leave(_ subscriber: Subscriber) -> Bool {
        guard cursors.removeValue(forKey: subscriber) != nil else { return false }
        releaseTakenParts()
        return resumeIfCaughtUp()
    }

    // MARK: Origin events

    /// Sets how the fill answers (once; later calls are ignored). Returns whom to wake.
    public mutating func answer(_ answer: Answer) -> [Subscriber] {
        guard self.answer == nil else { return [] }
        self.answer = answer
        return takeWaiting()
    }

    /// A body part arrived: whom to wake, and whether to ask the origin for more now. When not,
    /// a later ``next(for:)`` or ``leave(_:)`` says when.
    public mutating func append(_ part: ByteBuffer) -> (wake: [Subscriber], demandMore: Bool) {
        parts.append(part)
        offsets.append(received)
        received += part.readableBytes
        if acceptingJoiners && received > retainLimit {
            acceptingJoiners = false
            releaseTakenParts()
        }
        let demand = acceptingJoiners || cursors.isEmpty || lag < lagWindow
        if !demand { originPaused = true }
        return (takeWaiting(), demand)
    }

    /// The fill is over. Without an answer yet, `fallback` becomes the answer (subscribers must
    /// learn something before the end). Returns whom to wake.
    public mutating func finish(_ end: End, fallback: @autoclosure () -> Answer) -> [Subscriber] {
        guard self.end == nil else { return [] }
        self.end = end
        if answer == nil { answer = fallback() }
        return takeWaiting()
    }

    // MARK: Internals

    /// Bytes between the slowest subscriber and the newest part.
    private var lag: Int {
        guard let slowest = cursors.values.map(\.next).min(), slowest < parts.count else { return 0 }
        return received - offsets[slowest]
    }

    private mutating func resumeIfCaughtUp() -> Bool {
        guard originPaused, cursors.isEmpty || lag < lagWindow else { return false }
        originPaused = false
        return true
    }

    private mutating func takeWaiting() -> [Subscriber] {
        var woken: [Subscriber] = []
        for (subscriber, cursor) in cursors where cursor.waiting {
            cursors[subscriber]?.waiting = false
            woken.append(subscriber)
        }
        return woken
    }

    /// Once joiners are refused, parts every subscriber has taken are of no use to anyone.
    private mutating func releaseTakenParts() {
        guard !acceptingJoiners else { return }
        let upTo = cursors.values.map(\.next).min() ?? parts.count
        while firstRetained < upTo {
            parts[firstRetained] = ByteBuffer()
            firstRetained += 1
        }
    }
}
