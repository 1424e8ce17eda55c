@testable import EdgeOrigin
import NIOCore
import Testing

/// The origin thread's per-fetch decisions, as plain values with virtual time.
@Suite struct OriginTransferStateMachineTests {
    typealias Machine = OriginTransfer.StateMachine
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let timeouts = OriginTimeouts(connect: .seconds(5), firstByte: .seconds(2), idle: .seconds(1), total: .seconds(60))

    func at(_ milliseconds: Int64) -> NIODeadline { Self.start + .milliseconds(milliseconds) }

    func machine(attempts: Int = 3) -> Machine {
        Machine(timeouts: Self.timeouts, retry: OriginRetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(100)), now: Self.start)
    }

    @Test func firstByteDeadlineStartsWhenTheRequestIsSent() {
        var machine = machine()
        #expect(machine.tick(now: at(10_000)) == .none)  // connecting: curl's connect timeout governs
        machine.requestSent(now: at(10_000))
        #expect(machine.nextDeadline == at(12_000))
        #expect(machine.tick(now: at(11_999)) == .none)
        #expect(machine.tick(now: at(12_000)) == .fail(.timeout(phase: .firstByte)))
        #expect(machine.isFinished)
    }

    @Test func idleDeadlineMovesWithEveryByteAndStopsWhilePaused() {
        var machine = machine()
        machine.requestSent(now: at(0))
        machine.responseBytes(now: at(100))
        machine.headDelivered()
        machine.responseBytes(now: at(900))
        #expect(machine.tick(now: at(1_500)) == .none)
        machine.paused()
        #expect(machine.tick(now: at(30_000)) == .none)
        machine.resumed(now: at(30_000))
        #expect(machine.tick(now: at(31_000)) == .fail(.timeout(phase: .idle)))
    }

    @Test func totalDeadlineAppliesEvenWhilePaused() {
        var machine = machine()
        machine.responseBytes(now: at(0))
        machine.paused()
        #expect(machine.nextDeadline == at(60_000))
        #expect(machine.tick(now: at(60_000)) == .fail(.timeout(phase: .total)))
    }

    @Test func connectionFailureBeforeAnyResponseByteIsRetriedWithBackoff() {
        var machine = machine(attempts: 3)
        let failure = AttemptEnd.failed(.connectionFailed(reason: "refused"), retryable: true)
        #expect(machine.attemptEnded(failure, now: at(0), jitter: 0) == .retry(at: at(50)))
        #expect(machine.tick(now: at(49)) == .none)
        #expect(machine.tick(now: at(50)) == .startAttempt)
        #expect(machine.attempts == 2)
        #expect(machine.attemptEnded(failure, now: at(60), jitter: 0.5) == .retry(at: at(210)))  // 200 ms × 0.75
        #expect(machine.tick(now: at(300)) == .startAttempt)
        #expect(machine.attemptEnded(failure, now: at(310), jitter: 0) == .finish(.connectionFailed(reason: "refused")))
    }

    @Test func neverRetriedOnceAResponseByteArrived() {
        var machine = machine()
        machine.requestSent(now: at(0))
        machine.responseBytes(now: at(1))
        #expect(machine.attemptEnded(.failed(.reset(reason: "r"), retryable: true), now: at(2), jitter: 0) == .finish(.reset(reason: "r")))

        var delivered = self.machine()
        delivered.responseBytes(now: at(1))
        delivered.headDelivered()
        #expect(delivered.attemptEnded(.failed(.reset(reason: "r"), retryable: true), now: at(2), jitter: 0) == .finish(.reset(reason: "r")))
    }

    @Test func nonRetryableFailuresAndExhaustedBudgetsFinish() {
        var tls = machine()
        #expect(tls.attemptEnded(.failed(.tlsFailed(reason: "x"), retryable: false), now: at(0), jitter: 0) == .finish(.tlsFailed(reason: "x")))

        var late = Machine(timeouts: OriginTimeouts(total: .milliseconds(100)), retry: OriginRetryPolicy(baseDelay: .milliseconds(200)), now: Self.start)
        #expect(late.attemptEnded(.failed(.dnsFailed(reason: "x"), retryable: true), now: at(0), jitter: 0.9) == .finish(.dnsFailed(reason: "x")))
    }

    @Test func successNeedsADeliveredHead() {
        var machine = machine()
        #expect(machine.attemptEnded(.completed, now: at(0), jitter: 0)
            == .finish(.invalidResponse(reason: "the connection ended without a complete response head")))

        var complete = self.machine()
        complete.responseBytes(now: at(0))
        complete.headDelivered()
        #expect(complete.attemptEnded(.completed, now: at(1), jitter: 0) == .finish(nil))
    }

    @Test func curlTimeoutIsConnectWhileConnectingElseTotal() {
        var connecting = machine()
        #expect(connecting.attemptEnded(.curlTimedOut, now: at(5_000), jitter: 0) == .finish(.timeout(phase: .connect)))
        var sent = machine()
        sent.requestSent(now: at(0))
        #expect(sent.attemptEnded(.curlTimedOut, now: at(5_000), jitter: 0) == .finish(.timeout(phase: .total)))
    }

    @Test func cancelledMachineDoesNothingMore() {
        var machine = machine()
        machine.cancel()
        #expect(machine.tick(now: at(100_000)) == .none)
        #expect(machine.nextDeadline == nil)
    }
}

/// The event-loop side: the delegate hears head → parts → one finish, nothing after.
@Suite struct OriginDeliveryStateMachineTests {
    @Test func deliversInOrderAndDropsAfterTheFinish() {
        var machine = OriginDelivery.StateMachine()
        #expect(machine.receivedBodyPart() == .drop)
        #expect(machine.receivedHead() == .deliver)
        #expect(machine.receivedHead() == .drop)
        #expect(machine.receivedBodyPart() == .deliver)
        #expect(machine.receivedFinish() == .deliver)
        #expect(machine.receivedBodyPart() == .drop)
        #expect(machine.receivedFinish() == .drop)
        #expect(machine.cancelled() == .drop)
    }

    @Test func cancelFinishesOnceAndSilencesTheRest() {
        var machine = OriginDelivery.StateMachine()
        #expect(machine.receivedHead() == .deliver)
        #expect(machine.cancelled() == .deliver)
        #expect(machine.receivedBodyPart() == .drop)
        #expect(machine.receivedFinish() == .drop)
        #expect(machine.cancelled() == .drop)
    }
}

/// Retry delays double, are capped and jittered into [0.5, 1) of the nominal delay.
@Suite struct OriginRetryPolicyTests {
    @Test func delaysDoubleUpToTheCap() {
        let policy = OriginRetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(20), maxDelay: .milliseconds(50))
        #expect(policy.delay(beforeAttempt: 2, jitter: 1) == .milliseconds(20))
        #expect(policy.delay(beforeAttempt: 3, jitter: 1) == .milliseconds(40))
        #expect(policy.delay(beforeAttempt: 4, jitter: 1) == .milliseconds(50))
        #expect(policy.delay(beforeAttempt: 2, jitter: 0) == .milliseconds(10))
        #expect(OriginRetryPolicy(maxAttempts: 99).maxAttempts == 5)
        #expect(OriginRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func viewerStatusesFollowTheCause() {
        #expect(OriginError.timeout(phase: .idle).viewerStatus == 504)
        for error in [OriginError.connectionFailed(reason: ""), .dnsFailed(reason: ""), .tlsFailed(reason: ""),
                      .reset(reason: ""), .truncated(expected: 2, received: 1), .invalidResponse(reason: "")] {
            #expect(error.viewerStatus == 502)
            #expect(!error.description.isEmpty)
        }
        #expect(OriginError.tlsFailed(reason: "x").description.contains("website endpoint"))
    }
}
