import Domain
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

    /// A top-level string field of a JSON object, nil when absent or blank.
    static func field(_ name: String, in text: String) -> String? {
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let value = object[name] as? String, !value.isEmpty else { return nil }
        return value
    }

    /// Reads a JSON array of strings, tolerating anything malformed as empty.
    static func strings(_ text: String?) -> [String] {
        guard let text else { return [] }
        return JSONParser.stringArray(text) ?? []
    }
}
