import EdgeOrigin
import NIOCore

/// How a `RecordingDelegate` acknowledges body parts.
enum DemandPolicy: Sendable {
    /// `demandMore()` after every part.
    case eager
    /// One `demandMore()` `delay` after the first unacknowledged part: a consumer slower than the origin.
    case slow(TimeAmount)
    /// Never: the transfer stalls at the buffer limit.
    case never
}

/// Everything a delegate was told during one fetch.
struct ProbeOutcome: Sendable {
    var heads: [(status: Int, headers: [(String, String)])] = []
    var body: [UInt8] = []
    var bodyBytes = 0
    var parts = 0
    var partsAfterFinish = 0
    var partBeforeHead = false
    var result: Result<Void, OriginError>?
    var finishes = 0
    var allOnLoop = true
    var bodyIntact = true
    var statistics: OriginFetch.Statistics?
    /// From `execute` to `originDidFinish`, measured on the event loop (not on the test's task,
    /// which a busy concurrency pool may resume late).
    var elapsed = Duration.zero

    var status: Int? { heads.first?.status }

    func header(_ name: String) -> String? {
        heads.first?.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var error: OriginError? {
        if case .failure(let error) = result { error } else { nil }
    }
}

/// Options for `OriginClient.probe`.
struct ProbeOptions: Sendable {
    var demand = DemandPolicy.eager
    var keepBody = true
    /// Checks each part given the body offset it starts at; a false answer marks the body broken.
    var verify: (@Sendable (Int, ByteBuffer) -> Bool)?
    /// Calls `fetch.cancel()` once this many parts arrived.
    var cancelAfterParts: Int?
    /// How long to keep recording after the finish, to catch anything delivered late.
    var lingerAfterFinish = TimeAmount.zero
}

/// Records delegate calls on its event loop and completes `done` after the finish.
final class RecordingDelegate: OriginResponseDelegate {
    private let loop: any EventLoop
    private let options: ProbeOptions
    private let done: EventLoopPromise<ProbeOutcome>
    private var outcome = ProbeOutcome()
    private var demandScheduled = false
    private let started = ContinuousClock.now
    var fetch: OriginFetch?

    init(loop: any EventLoop, options: ProbeOptions, done: EventLoopPromise<ProbeOutcome>) {
        self.loop = loop
        self.options = options
        self.done = done
    }

    func originDidReceiveHead(status: Int, headers: [(String, String)]) {
        outcome.allOnLoop = outcome.allOnLoop && loop.inEventLoop
        outcome.heads.append((status, headers))
    }

    func originDidReceiveBodyPart(_ buffer: ByteBuffer) {
        outcome.allOnLoop = outcome.allOnLoop && loop.inEventLoop
        outcome.partBeforeHead = outcome.partBeforeHead || outcome.heads.isEmpty
        if outcome.finishes > 0 { outcome.partsAfterFinish += 1 }
        if let verify = options.verify, !verify(outcome.bodyBytes, buffer) { outcome.bodyIntact = false }
        if options.keepBody { outcome.body.append(contentsOf: buffer.readableBytesView) }
        outcome.bodyBytes += buffer.readableBytes
        outcome.parts += 1
        if outcome.parts == options.cancelAfterParts { fetch?.cancel() }
        switch options.demand {
        case .eager:
            fetch?.demandMore()
        case .slow(let delay):
            guard !demandScheduled else { return }
            demandScheduled = true
            loop.assumeIsolated().scheduleTask(in: delay) {
                self.demandScheduled = false
                self.fetch?.demandMore()
            }
        case .never:
            break
        }
    }

    func originDidFinish(_ result: Result<Void, OriginError>) {
        outcome.allOnLoop = outcome.allOnLoop && loop.inEventLoop
        outcome.finishes += 1
        guard outcome.finishes == 1 else { return }
        outcome.elapsed = ContinuousClock.now - started
        outcome.result = result
        loop.assumeIsolated().scheduleTask(in: options.lingerAfterFinish) {
            self.outcome.statistics = self.fetch?.statistics
            self.done.succeed(self.outcome)
        }
    }
}

extension OriginClient {
    /// Runs one fetch on `loop` with a recording delegate and returns what it saw.
    func probe(_ request: OriginRequest, on loop: any EventLoop, options: ProbeOptions = ProbeOptions()) async throws -> ProbeOutcome {
        try await loop.flatSubmit {
            let done = loop.makePromise(of: ProbeOutcome.self)
            let delegate = RecordingDelegate(loop: loop, options: options, done: done)
            delegate.fetch = self.execute(request, on: loop, delegate: delegate)
            return done.futureResult
        }.get()
    }
}
