import EdgeCache
import NIOCore
import Testing

@Suite("fetch coalescer")
struct FetchCoalescerTests {
    typealias Coalescer = FetchCoalescer<String, Int, String>

    private func bytes(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    private func text(_ buffers: [ByteBuffer]) -> String {
        buffers.map { String(buffer: $0) }.joined()
    }

    @Test("one fetch per key: the first starts it, later ones join; other keys are independent")
    func oneFetchPerKey() {
        var coalescer = Coalescer()
        guard case .startFetch = coalescer.request("/a", waiter: 1) else { Issue.record("no start"); return }
        guard case .joinExisting(let replay) = coalescer.request("/a", waiter: 2) else {
            Issue.record("no join")
            return
        }
        #expect(replay.head == nil && replay.body.isEmpty)
        guard case .startFetch = coalescer.request("/b", waiter: 3) else { Issue.record("no start for /b"); return }
        #expect(coalescer.activeFills == 2)
    }

    @Test("joiners get the head and bytes so far, then every later part")
    func replayThenDeliver() {
        var coalescer = Coalescer()
        _ = coalescer.request("/a", waiter: 1)
        guard case .deliverHead("200 OK", let headWaiters) = coalescer.receivedHead("200 OK", for: "/a") else {
            Issue.record("head not delivered")
            return
        }
        #expect(headWaiters == [1])
        _ = coalescer.received(bytes("hel"), for: "/a")
        _ = coalescer.received(bytes("lo "), for: "/a")
        guard case .joinExisting(let replay) = coalescer.request("/a", waiter: 2) else {
            Issue.record("no join")
            return
        }
        #expect(replay.head == "200 OK")
        #expect(text(replay.body) == "hello ")
        guard case .deliver(let part, let waiters) = coalescer.received(bytes("world"), for: "/a") else {
            Issue.record("part not delivered")
            return
        }
        #expect(String(buffer: part) == "world")
        #expect(waiters == [1, 2])
        guard case .finishAll(let finished) = coalescer.finished("/a") else { Issue.record("not finished"); return }
        #expect(finished == [1, 2])
        #expect(coalescer.activeFills == 0)
        guard case .startFetch = coalescer.request("/a", waiter: 3) else { Issue.record("no new fetch"); return }
    }

    @Test("a waiter leaving does not cancel the fill; it completes for the cache")
    func leaveKeepsFill() {
        var coalescer = Coalescer()
        _ = coalescer.request("/a", waiter: 1)
        _ = coalescer.request("/a", waiter: 2)
        coalescer.leave("/a", waiter: 1)
        guard case .deliverHead(_, let waiters) = coalescer.receivedHead("200", for: "/a") else {
            Issue.record("head dropped")
            return
        }
        #expect(waiters == [2])
        coalescer.leave("/a", waiter: 2)
        guard case .deliver(_, let nobody) = coalescer.received(bytes("x"), for: "/a") else {
            Issue.record("fill stopped")
            return
        }
        #expect(nobody.isEmpty)
        #expect(coalescer.isFilling("/a"))
        guard case .finishAll(let none) = coalescer.finished("/a") else { Issue.record("not finished"); return }
        #expect(none.isEmpty)
    }

    @Test("a failed fill fails every waiter and leaves nothing; late events are dropped")
    func failure() {
        var coalescer = Coalescer()
        _ = coalescer.request("/a", waiter: 1)
        _ = coalescer.receivedHead("200", for: "/a")
        _ = coalescer.received(bytes("partial"), for: "/a")
        _ = coalescer.request("/a", waiter: 2)
        guard case .failAll(let failed) = coalescer.failed("/a") else { Issue.record("not failed"); return }
        #expect(failed == [1, 2])
        #expect(!coalescer.isFilling("/a"))
        guard case .none = coalescer.received(bytes("late"), for: "/a") else { Issue.record("late part"); return }
        guard case .none = coalescer.finished("/a") else { Issue.record("late finish"); return }
        guard case .startFetch = coalescer.request("/a", waiter: 3) else { Issue.record("no retry"); return }
        guard case .joinExisting(let replay) = coalescer.request("/a", waiter: 4) else { return }
        #expect(replay.body.isEmpty)
    }

    @Test("failure before the head fails the waiters too; a second head is ignored")
    func failureBeforeHead() {
        var coalescer = Coalescer()
        _ = coalescer.request("/a", waiter: 1)
        _ = coalescer.request("/a", waiter: 1)
        guard case .failAll(let failed) = coalescer.failed("/a") else { Issue.record("not failed"); return }
        #expect(failed == [1])
        _ = coalescer.request("/b", waiter: 1)
        _ = coalescer.receivedHead("200", for: "/b")
        guard case .none = coalescer.receivedHead("500", for: "/b") else { Issue.record("second head"); return }
        guard case .none = coalescer.received(bytes("x"), for: "/c") else { Issue.record("unknown key"); return }
    }

    @available(macOS 15.0, *)
    @Test("the locked wrapper gives the same actions from many threads")
    func locked() async {
        let coalescer = LockedFetchCoalescer<String, Int, String>()
        let starts = await withTaskGroup(of: Bool.self) { group in
            for waiter in 0..<64 {
                group.addTask {
                    if case .startFetch = coalescer.request("/a", waiter: waiter) { return true }
                    return false
                }
            }
            var count = 0
            for await started in group where started { count += 1 }
            return count
        }
        #expect(starts == 1)
        _ = coalescer.receivedHead("200", for: "/a")
        guard case .finishAll(let waiters) = coalescer.finished("/a") else { Issue.record("not finished"); return }
        #expect(Set(waiters) == Set(0..<64))
        #expect(coalescer.activeFills == 0)
    }
}
