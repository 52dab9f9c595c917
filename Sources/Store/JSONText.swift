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
    /// (Read on every job step, so it uses the small parser rather than Foundation's.)
    static func field(_ name: String, in text: String) -> String? {
        guard case .object(let fields)? = try? JSONParser.parseFirst(Array(text.utf8)).value,
            case .string(let value)? = fields.first(where: { $0.0 == name })?.1, !value.isEmpty
        else { return nil }
        return value
    }

    /// Reads a JSON array of strings, tolerating anything malformed as empty.
    static func strings(_ text: String?) -> [String] {
        guard let text else { return [] }
        return JSONParser.stringArray(text) ?? []
    }
}
