import Domain

extension JSONValue {
    /// Parses stored JSON text, falling back to `{}` for anything that is not an object.
    static func storedObject(_ text: String) -> JSONValue {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)).value, case .object = parsed else { return .object([]) }
        return parsed
    }
}
