/// Typed lookups in a decoded JSON object, for reading back the JSON text columns the domain
/// writes. The last occurrence of a key wins, as in a decoder; a field of the wrong type reads as nil.
struct JSONFields {
    private var values: [String: JSONValue] = [:]

    init(_ fields: [(String, JSONValue)]) {
        for (key, value) in fields { values[key] = value }
    }

    func string(_ key: String) -> String? {
        guard case .string(let s)? = values[key] else { return nil }
        return s
    }

    func double(_ key: String) -> Double? {
        guard case .number(let n)? = values[key] else { return nil }
        return Double(n)
    }

    /// An integer field; a number with a fraction or exponent is truncated toward zero when it fits.
    func int(_ key: String) -> Int? {
        guard case .number(let n)? = values[key] else { return nil }
        if let i = Int(n) { return i }
        guard let d = Double(n), d.isFinite, Swift.abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    func array(_ key: String) -> [JSONValue]? {
        guard case .array(let items)? = values[key] else { return nil }
        return items
    }

    /// An RFC 3339 UTC (`Z`) timestamp.
    func timestamp(_ key: String) -> Timestamp? {
        guard let s = string(key) else { return nil }
        return Timestamp(storage: s)
    }
}
