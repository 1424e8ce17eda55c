import EdgeCache
import Foundation
import Logging
import NIOHTTP1
import Testing

@testable import EdgeServer

@Suite("invalidation engine: rules, sequences, persistence")
struct InvalidationEngineTests {
    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("s3edge-inv-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func key(_ target: String, host: String = "cdn.example.com") -> [UInt8] {
        CacheKey(host: host, target: target, headers: [(name: String, value: String)](),
                 policy: CachePolicy(queryStrings: .all), hasher: SHA256KeyHasher()).bytes
    }

    private let logger = Logger(label: "test")

    @Test("an entry stored before an invalidation is hidden, one stored after is not, other paths untouched")
    func hidesOlderEntries() throws {
        let engine = try InvalidationEngine(directory: try directory(), logger: logger)
        let before = engine.fillStarted()
        #expect(!engine.isHidden(key: key("/images/a.png"), sequence: before, distributionID: "E1"))
        guard case .created = try engine.create(distributionID: "E1", callerReference: "r", paths: ["/images/*"]) else {
            Issue.record("expected a new invalidation")
            return
        }
        let after = engine.fillStarted()
        #expect(engine.isHidden(key: key("/images/a.png"), sequence: before, distributionID: "E1"))
        #expect(!engine.isHidden(key: key("/images/a.png"), sequence: after, distributionID: "E1"))
        #expect(!engine.isHidden(key: key("/other.png"), sequence: before, distributionID: "E1"))
        #expect(!engine.isHidden(key: key("/images/a.png"), sequence: before, distributionID: "E2"), "per distribution")
        engine.fillFinished(before)
        engine.fillFinished(after)
    }

    @Test("a rule created in the same microsecond as a fill is still newer than it")
    func strictlyNewer() throws {
        let engine = try InvalidationEngine(directory: try directory(), logger: logger)
        for i in 0..<200 {
            let fill = engine.fillStarted()
            _ = try engine.create(distributionID: "E1", callerReference: "r\(i)", paths: ["/x\(i)"])
            #expect(engine.isHidden(key: key("/x\(i)"), sequence: fill, distributionID: "E1"))
            engine.fillFinished(fill)
        }
    }

    @Test("caller references: same paths return the earlier invalidation, other paths are refused")
    func callerReference() throws {
        let engine = try InvalidationEngine(directory: try directory(), logger: logger)
        guard case .created(let first) = try engine.create(distributionID: "E1", callerReference: "deploy", paths: ["/a", "/b"]),
            case .existing(let again) = try engine.create(distributionID: "E1", callerReference: "deploy", paths: ["/b", "/a"])
        else {
            Issue.record("expected created, then existing")
            return
        }
        #expect(first == again)
        #expect(throws: InvalidationEngine.CreationError.self) {
            try engine.create(distributionID: "E1", callerReference: "deploy", paths: ["/c"])
        }
        // Another distribution has its own references.
        guard case .created = try engine.create(distributionID: "E2", callerReference: "deploy", paths: ["/c"]) else {
            Issue.record("expected a new invalidation for E2")
            return
        }
        #expect(engine.invalidations(distributionID: "E1").count == 1)
    }

    @Test("invalid paths are refused with CloudFront's reason and change nothing")
    func invalidPaths() throws {
        let engine = try InvalidationEngine(directory: try directory(), logger: logger)
        #expect(throws: InvalidationEngine.CreationError.self) {
            try engine.create(distributionID: "E1", callerReference: "r", paths: ["/ok", "/a*b"])
        }
        #expect(engine.invalidations(distributionID: "E1").isEmpty)
        #expect(!engine.hasActiveRules)
    }

    @Test("invalidations survive a restart, newest first, and keep hiding what they hid")
    func persistence() throws {
        let path = try directory()
        let old: UInt64
        do {
            let engine = try InvalidationEngine(directory: path, logger: logger)
            old = engine.fillStarted()
            _ = try engine.create(distributionID: "E1", callerReference: "one", paths: ["/a"])
            _ = try engine.create(distributionID: "E1", callerReference: "two", paths: ["/b*"])
        }
        let reopened = try InvalidationEngine(directory: path, logger: logger)
        #expect(reopened.invalidations(distributionID: "E1").map(\.callerReference) == ["two", "one"])
        #expect(reopened.isHidden(key: key("/a"), sequence: old, distributionID: "E1"))
        #expect(reopened.isHidden(key: key("/bcd"), sequence: old, distributionID: "E1"))
        let fresh = reopened.fillStarted()
        #expect(fresh > old)
        #expect(!reopened.isHidden(key: key("/a"), sequence: fresh, distributionID: "E1"))
    }

    @Test("a torn last line (a crash mid-write) is skipped, the rest loads")
    func tornLine() throws {
        let path = try directory()
        do {
            let engine = try InvalidationEngine(directory: path, logger: logger)
            _ = try engine.create(distributionID: "E1", callerReference: "one", paths: ["/a"])
        }
        let handle = try #require(FileHandle(forWritingAtPath: path + "/invalidations.log"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"type\":\"invalidation\",\"id\":\"I12".utf8))
        try handle.close()
        let reopened = try InvalidationEngine(directory: path, logger: logger)
        #expect(reopened.invalidations(distributionID: "E1").count == 1)
    }

    @Test("rules are retired after a sweep, but not while an older fill could still store an entry")
    func retirement() throws {
        let path = try directory()
        let engine = try InvalidationEngine(directory: path, logger: logger)
        let slowFill = engine.fillStarted()
        _ = try engine.create(distributionID: "E1", callerReference: "r", paths: ["/a"])
        let through = try #require(engine.beginSweep())
        let partial = engine.endSweep(through: through, completed: true)
        #expect(partial.next == .later, "the slow fill began before the rule")
        #expect(engine.hasActiveRules)
        #expect(engine.isHidden(key: key("/a"), sequence: slowFill, distributionID: "E1"))
        engine.fillFinished(slowFill)
        let again = try #require(engine.beginSweep())
        #expect(engine.endSweep(through: again, completed: true).next == .none)
        #expect(!engine.hasActiveRules)
        // Retirement is persisted: a restart does not bring the rules back.
        let reopened = try InvalidationEngine(directory: path, logger: logger)
        #expect(!reopened.hasActiveRules)
        #expect(reopened.invalidations(distributionID: "E1").count == 1)
    }

    @Test("an unwritable directory is refused with the path and the fix")
    func unwritable() {
        #expect(throws: InvalidationLogError.self) {
            try InvalidationEngine(directory: "/nonexistent/s3edge-cache", logger: logger)
        }
    }
}

@Suite("admin routes")
struct AdminRouteTests {
    @Test("CloudFront API paths, admin endpoints, wrong methods and unknown paths")
    func routes() {
        func describe(_ method: HTTPMethod, _ path: String) -> String { "\(AdminRoute(method: method, path: path))" }
        #expect(describe(.POST, "/2020-05-31/distribution/E2EXAMPLE/invalidation") == "createInvalidation(\"E2EXAMPLE\")")
        #expect(describe(.GET, "/2020-05-31/distribution/E2EXAMPLE/invalidation") == "listInvalidations(\"E2EXAMPLE\")")
        #expect(describe(.GET, "/2020-05-31/distribution/E2EXAMPLE/invalidation/I123") == "getInvalidation(\"E2EXAMPLE\", \"I123\")")
        #expect(describe(.DELETE, "/2020-05-31/distribution/E2EXAMPLE/invalidation/I123") == "methodNotAllowed")
        #expect(describe(.GET, "/2020-05-31/distribution/E2EXAMPLE") == "notFound(cloudFront: true)")
        #expect(describe(.GET, "/metrics") == "metrics")
        #expect(describe(.POST, "/metrics") == "methodNotAllowed")
        #expect(describe(.GET, "/../etc/passwd") == "notFound(cloudFront: false)")
        #expect(AdminRoute.split("/x?Marker=I1&MaxItems=2").query.map { "\($0.0)=\($0.1)" } == ["Marker=I1", "MaxItems=2"])
    }
}

@Suite("request observer: result types and ranges")
struct ViewerRequestObserverTests {
    @Test("X-Cache maps to CloudFront's result types; s3edge's own answers are redirects or errors")
    func resultTypes() {
        func head(_ status: HTTPResponseStatus, _ xCache: String?) -> HTTPResponseHead {
            var headers = HTTPHeaders()
            if let xCache { headers.add(name: "X-Cache", value: xCache) }
            return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        }
        #expect(ViewerRequestObserver.resultType(head(.ok, "Hit from s3edge")) == .hit)
        #expect(ViewerRequestObserver.resultType(head(.ok, "RefreshHit from s3edge")) == .refreshHit)
        #expect(ViewerRequestObserver.resultType(head(.ok, "Miss from s3edge")) == .miss)
        #expect(ViewerRequestObserver.resultType(head(.notFound, "Error from s3edge")) == .error)
        #expect(ViewerRequestObserver.resultType(head(.movedPermanently, nil)) == .redirect)
        #expect(ViewerRequestObserver.resultType(head(.misdirectedRequest, nil)) == .error)
    }

    @Test("Content-Range bounds")
    func ranges() {
        #expect(ViewerRequestObserver.rangeBounds("bytes 0-99/1000")! == (0, 99))
        #expect(ViewerRequestObserver.rangeBounds("bytes */1000") == nil)
        #expect(ViewerRequestObserver.rangeBounds("items 1-2/3") == nil)
    }
}
