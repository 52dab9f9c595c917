/// A JSON document as an `Encodable` value (notification metadata and digest stats inside a response DTO).
/// `CompactJSONEncoder` writes it as `CompactJSON` does (number literals verbatim); any other encoder gets numbers as
/// `Int64` or `Double`.
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
            var c = encoder.container(keyedBy: ObjectKey.self)
            for (key, value) in pairs { try c.encode(value, forKey: ObjectKey(stringValue: key)) }
        }
    }
}

/// A coding key for arbitrary object keys.
private struct ObjectKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
