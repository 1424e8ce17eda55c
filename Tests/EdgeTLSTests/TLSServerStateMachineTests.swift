@testable import EdgeTLS
import Testing

@Suite struct TLSServerStateMachineTests {
    @Test func writesBeforeHandshakeAreBufferedThenEncrypted() {
        var machine = TLSServerStateMachine()
        machine.channelActive()
        #expect(machine.writeRequested() == .buffer)
        #expect(machine.handshakeStepped(.incomplete) == .sendOutputAndWait)
        #expect(machine.handshakeStepped(.complete) == .announceCompletion)
        #expect(machine.writeRequested() == .encrypt)
        #expect(machine.bytesReceived() == .readApplicationData)
    }

    @Test func closeAfterHandshakeSendsCloseNotifyOnce() {
        var machine = TLSServerStateMachine()
        machine.channelActive()
        _ = machine.handshakeStepped(.complete)
        #expect(machine.closeRequested() == .sendCloseNotifyThenClose)
        #expect(machine.closeRequested() == .forward)
        #expect(machine.writeRequested() == .fail)
        #expect(machine.bytesReceived() == .discard)
    }

    @Test func closeDuringHandshakeClosesImmediately() {
        var machine = TLSServerStateMachine()
        machine.channelActive()
        #expect(machine.closeRequested() == .closeImmediately)
    }

    @Test func timeoutOnlyMattersWhileHandshaking() {
        var machine = TLSServerStateMachine()
        machine.channelActive()
        _ = machine.handshakeStepped(.complete)
        #expect(machine.handshakeTimedOut() == false)
        var slow = TLSServerStateMachine()
        slow.channelActive()
        #expect(slow.handshakeTimedOut() == true)
        #expect(slow.state == .closed)
    }

    @Test func failedHandshakeCloses() {
        var machine = TLSServerStateMachine()
        machine.channelActive()
        #expect(machine.handshakeStepped(.failed(TLSError(operation: "x", reasons: []))) == .failAndClose)
        #expect(machine.state == .closed)
    }
}
