import Foundation

extension ConfigEntry {
    /// A file path (see `filePath`) that must exist and be readable now, so
    /// `check-config` catches it rather than the first origin request.
    func readableFile(baseDirectory: String, _ diagnostics: inout Diagnostics) -> String? {
        guard let path = filePath(baseDirectory: baseDirectory, &diagnostics) else { return nil }
        var isDirectory: ObjCBool = false
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            problem("cannot read \(quoted(path)): no such file", &diagnostics)
        } else if isDirectory.boolValue {
            problem("\(quoted(path)) is a directory; give a PEM file", &diagnostics)
        } else if !fileManager.isReadableFile(atPath: path) {
            problem("cannot read \(quoted(path)): permission denied; make it readable by the service", &diagnostics)
        } else {
            return path
        }
        return nil
    }
}
