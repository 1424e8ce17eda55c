import EdgeAdminAPI

/// What `StrictXMLReader` says about `text`: nil when it parses.
func readError(_ text: String, _ reader: StrictXMLReader = StrictXMLReader()) -> XMLReadError? {
    readError(Array(text.utf8), reader)
}

func readError(_ bytes: [UInt8], _ reader: StrictXMLReader = StrictXMLReader()) -> XMLReadError? {
    do {
        _ = try reader.parse(bytes)
        return nil
    } catch {
        return error
    }
}
