import Foundation

/// Compact JSON text for the JSON-typed TEXT columns; the app always writes its own serialisation.
enum JSONText {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// `["a","b"]`.
    static func array(_ items: [String]) -> String {
        (try? String(decoding: encoder.encode(items), as: UTF8.self)) ?? "[]"
    }

    /// A flat object of string values.
    static func object(_ fields: [String: String]) -> String {
        (try? String(decoding: encoder.encode(fields), as: UTF8.self)) ?? "{}"
    }

    /// Reads a JSON array of strings, tolerating anything malformed as empty.
    static func strings(_ text: String?) -> [String] {
        guard let text, let data = text.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }
}
