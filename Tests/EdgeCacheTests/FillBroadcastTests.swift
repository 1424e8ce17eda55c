import EdgeCache
import NIOCore
import Testing

@Suite("request collapsing: one fill, many viewers")
struct FillBroadcastTests {
    typealias Broadcast = FillBroadcast<String, String>

    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Everything `subscriber` can take now, as text, until it has to wait or the fill ends.
    private func drain(_ broadcast: inout Broadcast, _ subscriber: String) -> [String] {
        var seen: [String] = []
        while true {
            switch broadcast.next(for: subscriber).0 {
            case .wait: seen.append("wait"); return seen
            case .answer(let answer): seen.append("answer:\(answer)")
            case .parts(let parts, let offset):
                seen.append("@\(offset):" + parts.map { String(buffer: $0) }.joined())
            case .end(let end): seen.append("end:\(end)"); return seen
            }
        }
    }

    @Test func aJoinerReplaysWhatArrivedThenStreamsTheRest() {
        var broadcast = Broadcast(retainLimit: 1 << 20, lagWindow: 1 << 20)
        let result1 = broadcast.join("first")
        #expect(result1)
        #expect(drain(&broadcast, "first") == ["wait"])
        let result2 = broadcast.answer("200")
        #expect(result2 == ["first"])
        let result3 = broadcast.append(bytes("abc"))
        #expect(result3.wake.isEmpty)  // "first" was woken already, not waiting again
        #expect(drain(&broadcast, "first") == ["answer:200", "@0:abc", "wait"])
        let result4 = broadcast.join("late")
        #expect(result4)
        #expect(drain(&broadcast, "late") == ["answer:200", "@0:abc", "wait"])
        let (woken, demand) = broadcast.append(bytes("de"))
        #expect(Set(woken) == ["first", "late"])
        #expect(demand)
        let result5 = broadcast.finish(.complete, fallback: "none").isEmpty
        #expect(result5)
        #expect(drain(&broadcast, "first") == ["@3:de", "end:complete"])
        #expect(drain(&broadcast, "late") == ["@3:de", "end:complete"])
    }

    @Test func aViewerLeavingDoesNotEndTheFillForTheOthers() {
        var broadcast = Broadcast(retainLimit: 1 << 20, lagWindow: 1 << 20)
        _ = broadcast.join("a")
        _ = broadcast.join("b")
        _ = broadcast.answer("200")
        _ = broadcast.append(bytes("x"))
        _ = broadcast.leave("a")
        _ = broadcast.append(bytes("y"))
        _ = broadcast.finish(.complete, fallback: "none")
        #expect(drain(&broadcast, "b") == ["answer:200", "@0:xy", "end:complete"])
        #expect(broadcast.subscriberCount == 1)
        // One that left gets nothing more, whatever it asks.
        #expect(drain(&broadcast, "a") == ["end:failed"])
    }

    @Test func aFailedFillIsNeverPresentedAsComplete() {
        var broadcast = Broadcast(retainLimit: 1 << 20, lagWindow: 1 << 20)
        _ = broadcast.join("a")
        _ = broadcast.answer("200")
        _ = broadcast.append(bytes("partial"))
        _ = broadcast.finish(.failed, fallback: "none")
        #expect(drain(&broadcast, "a") == ["answer:200", "@0:partial", "end:failed"])
        // A second end does not change the first.
        let result6 = broadcast.finish(.complete, fallback: "none").isEmpty
        #expect(result6)
        #expect(broadcast.end == .failed)
    }

    @Test func anEndWithoutAnswerGivesTheFallbackFirst() {
        var broadcast = Broadcast(retainLimit: 1 << 20, lagWindow: 1 << 20)
        _ = broadcast.join("a")
        #expect(drain(&broadcast, "a") == ["wait"])
        let result7 = broadcast.finish(.failed, fallback: "fetch-yourself")
        #expect(result7 == ["a"])
        #expect(drain(&broadcast, "a") == ["answer:fetch-yourself", "end:failed"])
    }

    @Test func pastTheRetainLimitJoinersAreRefusedAndTakenPartsReleased() {
        var broadcast = Broadcast(retainLimit: 10, lagWindow: 100)
        _ = broadcast.join("a")
        _ = broadcast.answer("200")
        _ = broadcast.append(bytes("0123456789"))
        #expect(broadcast.acceptingJoiners)
        #expect(drain(&broadcast, "a") == ["answer:200", "@0:0123456789", "wait"])
        _ = broadcast.append(bytes("X"))
        #expect(!broadcast.acceptingJoiners)
        let result8 = broadcast.join("late")
        #expect(!result8)
        #expect(broadcast.retainedBytes == 1)  // what "a" has not taken yet
        #expect(drain(&broadcast, "a") == ["@10:X", "wait"])
        #expect(broadcast.retainedBytes == 0)
    }

    @Test func theOriginWaitsForTheSlowestViewerOnlyPastTheRetainLimit() {
        var broadcast = Broadcast(retainLimit: 4, lagWindow: 6)
        _ = broadcast.join("fast")
        _ = broadcast.join("slow")
        _ = broadcast.answer("200")
        let result9 = broadcast.append(bytes("aaaa"))
        #expect(result9.demandMore)  // still retaining everything
        // 7 bytes: joiners are refused now, and "slow" (at byte 0) is 7 behind, past the window.
        let result10 = broadcast.append(bytes("bbb"))
        #expect(!result10.demandMore)
        _ = drain(&broadcast, "fast")
        let result11 = broadcast.append(bytes("cccccc"))
        #expect(!result11.demandMore, "slow has taken nothing: 13 bytes behind")
        // The fast one catching up changes nothing; the slow one catching up resumes the origin.
        let result12 = broadcast.next(for: "fast").resumeOrigin
        #expect(!result12)
        _ = broadcast.next(for: "slow")  // the answer
        let result13 = broadcast.next(for: "slow").resumeOrigin
        #expect(result13)
        let result14 = broadcast.next(for: "slow").resumeOrigin
        #expect(!result14)
    }

    @Test func theLastViewerLeavingResumesAPausedOrigin() {
        var broadcast = Broadcast(retainLimit: 0, lagWindow: 1)
        _ = broadcast.join("a")
        _ = broadcast.answer("200")
        let result15 = broadcast.append(bytes("zz"))
        #expect(!result15.demandMore)
        let result16 = broadcast.leave("a")
        #expect(result16)
        // With nobody to wait for, the fill goes on for the cache at the origin's pace.
        let result17 = broadcast.append(bytes("zz"))
        #expect(result17.demandMore)
    }

    @Test func theAnswerIsSetOnce() {
        var broadcast = Broadcast(retainLimit: 10, lagWindow: 10)
        _ = broadcast.answer("first")
        _ = broadcast.answer("second")
        #expect(broadcast.answer == "first")
    }
}
