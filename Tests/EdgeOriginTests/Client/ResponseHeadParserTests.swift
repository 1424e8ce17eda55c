@testable import EdgeOrigin
import Testing

/// Header lines exactly as curl's header callback passes them.
@Suite struct ResponseHeadParserTests {
    func feed(_ lines: [String]) -> [ResponseHeadParser.Outcome] {
        var parser = ResponseHeadParser()
        return lines.map { line in Array(line.utf8).withUnsafeBytes { parser.consume(line: $0) } }
    }

    @Test func finalHeadAfterAnInterimContinue() {
        let outcomes = feed(["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "ETag: \"a\"\r\n",
                             "X-Amz-Meta-K:  v v \r\n", "\r\n", "Trailer-Field: ignored\r\n"])
        #expect(outcomes[1] == .interim(status: 100))
        #expect(outcomes[5] == .complete(status: 200, headers: [.init(name: "ETag", value: "\"a\""), .init(name: "X-Amz-Meta-K", value: "v v")]))
        #expect(outcomes[6] == .needMore)
    }

    @Test func foldedHeaderContinuesTheValue() {
        let outcomes = feed(["HTTP/1.0 404 Not Found\r\n", "X-A: one\r\n", "\ttwo\r\n", "\r\n"])
        #expect(outcomes[3] == .complete(status: 404, headers: [.init(name: "X-A", value: "one two")]))
    }

    @Test func statusWithoutReasonIsAccepted() {
        #expect(feed(["HTTP/1.1 204\r\n", "\r\n"])[1] == .complete(status: 204, headers: []))
    }

    @Test(arguments: ["HTTP/1.1 2000 OK\r\n", "ICY 200 OK\r\n", "HTTP/1.1 abc\r\n", "HTTP/1.1 099 Low\r\n"])
    func malformedStatusLineIsInvalid(line: String) {
        guard case .invalid = feed([line])[0] else { Issue.record("accepted \(line.debugDescription)"); return }
    }

    @Test func headerWithoutColonIsInvalid() {
        guard case .invalid = feed(["HTTP/1.1 200 OK\r\n", "no colon here\r\n"])[1] else { Issue.record("accepted"); return }
    }
}
