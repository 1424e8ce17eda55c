@testable import EdgeServer
import NIOCore
import NIOEmbedded
import Testing

@Suite struct HTTP1RequestGuardStateMachineTests {
    @Test func headWithinLimitThenIdleBetweenRequests() {
        var machine = HTTP1RequestGuardStateMachine(maxHeaderSize: 100)
        machine.bytesArriving()
        #expect(machine.bytesForwarded(60) == .startTimer(.header))  // the head spans reads
        machine.bytesArriving()
        #expect(machine.bytesForwarded(40) == .none)
        #expect(machine.requestHeadReceived() == .cancelTimer)
        #expect(machine.bytesForwarded(1000) == .none)  // body bytes are not head bytes
        #expect(machine.responseCompleted() == .startTimer(.idle))
        #expect(machine.state == .idle(first: false))
    }

    @Test func headInOneReadNeedsNoTimer() {
        var machine = HTTP1RequestGuardStateMachine(maxHeaderSize: 100)
        machine.bytesArriving()
        #expect(machine.requestHeadReceived() == .cancelTimer)  // decoded while forwarding
        #expect(machine.bytesForwarded(80) == .none)
    }

    @Test func headOverLimitIsRejected() {
        var machine = HTTP1RequestGuardStateMachine(maxHeaderSize: 100)
        machine.bytesArriving()
        #expect(machine.bytesForwarded(101) == .rejectHeadTooLarge)
        #expect(machine.state == .closed)
    }

    @Test func timersCloseOnlyWhileWaitingForAHead() {
        var machine = HTTP1RequestGuardStateMachine(maxHeaderSize: 100)
        machine.bytesArriving()
        _ = machine.requestHeadReceived()
        #expect(machine.timerFired() == false)  // a response is being produced
        _ = machine.responseCompleted()
        #expect(machine.timerFired() == true)
    }
}

@Suite struct HTTP1RequestGuardTests {
    func channel(maxHeaderSize: Int = 64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            HTTP1RequestGuard(maxHeaderSize: maxHeaderSize, headerTimeout: .seconds(10), idleTimeout: .seconds(60))
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
        return channel
    }

    func response(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func slowlorisGets408AfterHeaderTimeoutEvenWhileSendingBytes() throws {
        let channel = try channel()
        for second in 0..<9 {
            try channel.writeInbound(ByteBuffer(string: second == 0 ? "G" : "E"))
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try response(channel).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(!channel.isActive)
    }

    @Test func oversizedHeadGets431AndClose() throws {
        let channel = try channel(maxHeaderSize: 64)
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 80)))
        let text = try response(channel)
        #expect(text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(!channel.isActive)
    }

    @Test func silentConnectionClosesAfterHeaderTimeoutWithoutAResponse() throws {
        let channel = try channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(try response(channel).isEmpty)
    }

    @Test func idleDeadlineMovesWithEachResponse() throws {
        let channel = try channel()
        for _ in 0..<3 {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
            channel.pipeline.triggerUserOutboundEvent(HTTP1RequestGuard.Event.requestHeadReceived, promise: nil)
            channel.pipeline.triggerUserOutboundEvent(HTTP1RequestGuard.Event.responseCompleted, promise: nil)
            channel.embeddedEventLoop.advanceTime(by: .seconds(50))
            #expect(channel.isActive)
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test func idleKeepAliveConnectionClosesAfterIdleTimeout() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        channel.pipeline.triggerUserOutboundEvent(HTTP1RequestGuard.Event.requestHeadReceived, promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(channel.isActive)  // a slow response is not a slow client
        channel.pipeline.triggerUserOutboundEvent(HTTP1RequestGuard.Event.responseCompleted, promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(try response(channel).isEmpty)
    }
}
