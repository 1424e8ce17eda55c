import CCurl
import Logging
import NIOCore

/// The loop on the origin thread: takes commands, drives curl, enforces the client's own
/// deadlines (first byte, idle, total, retry delays) and posts results to the event loops.
/// Every curl handle is touched only here.
final class OriginCurlLoop {
    private let worker: OriginWorker
    private let configuration: OriginClientConfiguration
    private let logger: Logger
    private var transfers: [ObjectIdentifier: OriginTransfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: OriginTransfer] = [:]

    init(worker: OriginWorker, configuration: OriginClientConfiguration, logger: Logger) {
        self.worker = worker
        self.configuration = configuration
        self.logger = logger
    }

    func run() {
        while true {
            let (commands, stop) = worker.takeCommands()
            for command in commands { handle(command) }
            if stop { return abandonAll() }
            do {
                try worker.multi.perform()
                collectCompletions()
                checkDeadlines()
                try worker.multi.poll(milliseconds: pollTimeout())
            } catch {
                // Only a broken multi handle gets here; don't spin on it.
                logger.error("libcurl multi loop failed: \(error)")
                try? worker.multi.poll(milliseconds: 10)
            }
        }
    }

    private func handle(_ command: OriginCommand) {
        switch command {
        case .start(let fetch, let request):
            let transfer = OriginTransfer(fetch: fetch, request: request, retry: configuration.retry, now: .now())
            transfers[ObjectIdentifier(fetch)] = transfer
            startAttempt(transfer)
        case .resume(let fetch):
            transfers[ObjectIdentifier(fetch)]?.resume(now: .now())
        case .cancel(let fetch):
            guard let transfer = transfers.removeValue(forKey: ObjectIdentifier(fetch)) else { return }
            detach(transfer)
            transfer.machine.cancel()
            logger.debug("origin fetch cancelled", metadata: metadata(transfer))
        }
    }

    private func startAttempt(_ transfer: OriginTransfer) {
        do {
            let easy = try transfer.beginAttempt(caFile: configuration.caFile, now: .now())
            try worker.multi.add(easy)
            byHandle[easy.raw] = transfer
        } catch let error as CurlEasyError {
            complete(transfer, .failure(.invalidRequest(reason: error.description)))
        } catch {
            complete(transfer, .failure(.transferFailed(reason: "\(error)")))
        }
    }

    private func collectCompletions() {
        for (easy, code) in worker.multi.completedTransfers() {
            guard let transfer = byHandle[easy] else { continue }
            let end = transfer.attemptEnd(code: code)
            detach(transfer)
            switch transfer.machine.attemptEnded(end, now: .now(), jitter: .random(in: 0..<1)) {
            case .finish(nil):
                complete(transfer, .success(()))
            case .finish(let error?):
                complete(transfer, .failure(error))
            case .retry(let at):
                var details = metadata(transfer)
                details["origin.retry_in_ms"] = "\((at - .now()).nanoseconds / 1_000_000)"
                if case .failed(let error, _) = end { details["origin.error"] = "\(error)" }
                logger.info("origin attempt failed before any response; retrying", metadata: details)
            }
        }
    }

    private func checkDeadlines() {
        let now = NIODeadline.now()
        for transfer in transfers.values {
            if transfer.machine.state == .connecting, transfer.easy?.requestSent == true {
                transfer.machine.requestSent(now: now)
            }
            transfer.flushBody()
            switch transfer.machine.tick(now: now) {
            case .none:
                break
            case .startAttempt:
                startAttempt(transfer)
            case .fail(let error):
                detach(transfer)
                complete(transfer, .failure(error))
            }
        }
    }

    /// Until the earliest client deadline, at most a second; curl shortens it for its own timers.
    private func pollTimeout() -> Int32 {
        let now = NIODeadline.now()
        var earliest = now + .seconds(1)
        for transfer in transfers.values {
            if let deadline = transfer.machine.nextDeadline, deadline < earliest { earliest = deadline }
        }
        let nanoseconds = max(0, (earliest - now).nanoseconds)
        return Int32((nanoseconds + 999_999) / 1_000_000)
    }

    private func detach(_ transfer: OriginTransfer) {
        guard let easy = transfer.easy else { return }
        worker.multi.remove(easy)
        byHandle[easy.raw] = nil
        transfer.dropEasy()
    }

    private func complete(_ transfer: OriginTransfer, _ result: Result<Void, OriginError>) {
        transfers[ObjectIdentifier(transfer.fetch)] = nil
        transfer.finish(result)
        var details = metadata(transfer)
        if case .failure(let error) = result { details["origin.error"] = "\(error)" }
        logger.debug("origin fetch finished", metadata: details)
    }

    private func abandonAll() {
        for transfer in transfers.values {
            detach(transfer)
            transfer.machine.cancel()
            transfer.finish(.failure(.clientShutdown))
        }
        transfers = [:]
    }

    /// Never the headers (they carry Authorization and the session token) nor the query.
    private func metadata(_ transfer: OriginTransfer) -> Logger.Metadata {
        let url = transfer.request.url
        let shown = url.firstIndex(of: "?").map { String(url[..<$0]) + "?…" } ?? url
        let statistics = transfer.fetch.flow.statistics
        var details: Logger.Metadata = [
            "origin.method": "\(transfer.request.method.rawValue)",
            "origin.url": "\(shown)",
            "origin.attempts": "\(statistics.attempts)",
            "origin.body_bytes": "\(transfer.bodyBytes)",
        ]
        if let status = transfer.status { details["origin.status"] = "\(status)" }
        return details
    }
}
