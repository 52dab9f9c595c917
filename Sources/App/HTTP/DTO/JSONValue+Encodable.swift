import Domain

/// Stored JSON (notification metadata, digest stats) re-emitted as JSON, not as a string.
extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let literal):
            var c = encoder.singleValueContainer()
            if let int = Int64(literal) { try c.encode(int) } else { try c.encode(Double(literal) ?? 0) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in pairs { try c.encode(value, forKey: AnyKey(key)) }
        }
    }

    /// Parses stored JSON text, falling back to `{}` for anything that is not an object.
    static func storedObject(_ text: String) -> JSONValue {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)).value, case .object = parsed else { return .object([]) }
        return parsed
    }
}

/// A coding key for arbitrary object keys.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ value: String) { stringValue = value }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
