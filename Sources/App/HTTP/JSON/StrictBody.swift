import Domain

/// A request DTO decoded with Go-compatible strict rules: unknown fields, trailing data and wrong
/// types are 400s; missing fields take zero values and are validated afterwards.
protocol StrictDecodable: Sendable {
    /// Every field name the DTO accepts.
    static var fieldNames: [String] { get }
    /// Builds the DTO from a validated object reader.
    init(_ reader: JSONObjectReader) throws
}

/// Whether an empty body is an error (`EOF`) or means "all fields zero".
enum BodyMode: Sendable {
    case strict
    case strictEmptyAllowed
}

/// Decodes request bytes into a `StrictDecodable`.
enum StrictBody {
    static func decode<T: StrictDecodable>(_ type: T.Type, from bytes: [UInt8], mode: BodyMode) throws -> T {
        let parsed: (value: JSONValue?, trailing: Bool)
        do {
            parsed = try JSONParser.parseFirst(bytes)
        } catch let error as JSONSyntaxError {
            throw DomainError.invalid(error.message)
        }
        guard let value = parsed.value else {
            if mode == .strictEmptyAllowed { return try T(JSONObjectReader(fields: [:])) }
            throw DomainError.invalid("EOF")
        }
        let fields: [String: JSONValue]
        switch value {
        case .null:
            fields = [:]
        case .object(let pairs):
            fields = try canonicalFields(pairs, allowed: T.fieldNames)
        default:
            throw DomainError.invalid("json: cannot unmarshal \(value.typeName) into Go value of type object")
        }
        if parsed.trailing { throw DomainError.invalid("request body must contain a single JSON object") }
        return try T(JSONObjectReader(fields: fields))
    }

    /// Maps keys to declared names (exact first, then case-insensitively as Go does) and rejects unknown ones.
    private static func canonicalFields(_ pairs: [(String, JSONValue)], allowed: [String]) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (key, value) in pairs {
            let name: String
            if allowed.contains(key) {
                name = key
            } else if let folded = allowed.first(where: { $0.lowercased() == key.lowercased() }) {
                name = folded
            } else {
                throw DomainError.invalid("json: unknown field \"\(key)\"")
            }
            out[name] = value
        }
        return out
    }
}

/// Typed access to the fields of a decoded object; absent or null fields give zero values.
struct JSONObjectReader {
    let fields: [String: JSONValue]

    func string(_ key: String) throws -> String {
        switch fields[key] {
        case nil, .null?: return ""
        case .string(let s)?: return try storable(s, key)
        case let other?: throw typeError(other, key, "string")
        }
    }

    func int(_ key: String) throws -> Int {
        switch fields[key] {
        case nil, .null?: return 0
        case .number(let literal)?:
            guard !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let v = Int(literal) else {
                throw DomainError.invalid("json: cannot unmarshal number \(literal) into Go struct field .\(key) of type int")
            }
            return v
        case let other?: throw typeError(other, key, "int")
        }
    }

    /// nil when absent or null, so callers can apply their own default.
    func bool(_ key: String) throws -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw typeError(other, key, "bool")
        }
    }

    func stringArray(_ key: String) throws -> [String] {
        switch fields[key] {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map { item -> String in
                switch item {
                case .string(let s): return try storable(s, key)
                case .null: return ""
                default: throw typeError(item, key, "string")
                }
            }
        case let other?: throw typeError(other, key, "[]string")
        }
    }

    /// The raw value of an object field (nil when absent or null); any other type is an error. Its keys and strings
    /// at every depth follow the rule for stored text (`storable`): the object is stored as JSON, and PostgreSQL's
    /// `jsonb` refuses `\u0000` outright, so a NUL there would fail the write (and every event batched with it).
    func object(_ key: String) throws -> JSONValue? {
        switch fields[key] {
        case nil, .null?: return nil
        case .object(let pairs)?:
            try storable(.object(pairs), key)
            return .object(pairs)
        case let other?: throw typeError(other, key, "map[string]interface {}")
        }
    }

    /// The one rule for text that reaches storage: SQLite text ends at the first NUL, so a string holding
    /// one would be stored cut short. Every decoded string field goes through here and such a string is a
    /// 400 naming the field, never silently truncated data.
    private func storable(_ value: String, _ key: String) throws -> String {
        guard !value.utf8.contains(0) else { throw DomainError.unstorableText(field: key) }
        return value
    }

    /// `storable` for every key and string inside `value` (its depth is bounded by the parser's nesting limit).
    private func storable(_ value: JSONValue, _ key: String) throws {
        switch value {
        case .null, .bool, .number: return
        case .string(let text): _ = try storable(text, key)
        case .array(let items): for item in items { try storable(item, key) }
        case .object(let pairs):
            for (name, item) in pairs {
                _ = try storable(name, key)
                try storable(item, key)
            }
        }
    }

    private func typeError(_ value: JSONValue, _ key: String, _ goType: String) -> DomainError {
        .invalid("json: cannot unmarshal \(value.typeName) into Go struct field .\(key) of type \(goType)")
    }
}
