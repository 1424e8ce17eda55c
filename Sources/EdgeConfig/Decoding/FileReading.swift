import Foundation

/// The file's text, or why it cannot be used (message for `FILE: message`).
func readTextFile(_ path: String) -> Result<String, ValueProblem> {
    var isDirectory: ObjCBool = false
    let fileManager = FileManager.default
    guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
        return .failure(ValueProblem("cannot open the configuration file: no such file"))
    }
    guard !isDirectory.boolValue else {
        return .failure(ValueProblem("this is a directory; give the YAML file's path, e.g. /etc/s3edge/s3edge.yaml"))
    }
    guard let data = fileManager.contents(atPath: path) else {
        return .failure(ValueProblem("cannot read the configuration file; check its permissions"))
    }
    guard let text = String(data: data, encoding: .utf8) else {
        return .failure(ValueProblem("the file is not valid UTF-8 text; save it as UTF-8"))
    }
    return .success(text)
}

/// `path` made absolute against the current directory, so certificate paths
/// resolved against it stay valid if the process changes directory later.
func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : resolvePath(path, against: FileManager.default.currentDirectoryPath)
}

/// The directory part of an absolute path ("/etc/s3edge/s3edge.yaml" -> "/etc/s3edge").
func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
