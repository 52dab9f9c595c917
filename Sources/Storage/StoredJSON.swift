import Domain

/// The one way stored JSON documents (the JSON-typed columns: persona lists, job payloads, event and notification
/// metadata) are written and read back by the stores. Writes go through `CompactJSON`, so every engine stores the
/// same bytes for the same value; reads use the small strict parser.
public enum StoredJSON {
    /// `["a","b"]`.
    public static func array(_ items: [String]) -> String {
        CompactJSON.encode(.array(items.map(JSONValue.string)))
    }

    /// A flat object of string values, keys sorted (so equal maps store equal text).
    public static func object(_ fields: [String: String]) -> String {
        CompactJSON.encode(.object(fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }

    /// A top-level string field of a JSON object, nil when absent or blank. (Read on every job step, so it uses the
    /// small parser rather than Foundation's.)
    public static func field(_ name: String, in text: String) -> String? {
        guard case .object(let fields)? = try? JSONParser.parseFirst(Array(text.utf8)).value,
            case .string(let value)? = fields.first(where: { $0.0 == name })?.1, !value.isEmpty
        else { return nil }
        return value
    }

    /// Reads a JSON array of strings, tolerating anything malformed as empty.
    public static func strings(_ text: String?) -> [String] {
        guard let text else { return [] }
        return JSONParser.stringArray(text) ?? []
    }
}
