import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "edgestore-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    /// A path inside it that does not exist yet: the store creates it.
    var cachePath: String { path + "/cache" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
