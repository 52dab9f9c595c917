/// Cleans client- and server-supplied metadata before it is stored with an event or a notification.
///
/// The point is that metadata may carry ids and small labels but never user-written text, and never
/// unbounded structures:
/// - Keys are trimmed; a blank key is dropped, and so is any key whose lowercased form *contains*
///   `content`, `message`, `text` or `body` — a plain substring test, so `context`, `subtext` and
///   `nobody` go too. This applies at every depth.
/// - Strings are trimmed, dropped when empty, and cut to their first 180 runes (not trimmed again
///   after the cut). Booleans and numbers are kept as they are; `null` is dropped.
/// - Arrays keep their sanitised, non-dropped items, at most 25; objects keep at most 25 surviving
///   keys, the first 25 in input order (the original keeps an arbitrary 25; we make it
///   deterministic). An array or object left empty is dropped.
/// - Depth: top-level values are at depth 0, the children of a container at depth d are at d + 1,
///   and anything at depth 4 or more is dropped, so a scalar survives at most at `a.b.c.d`.
/// - The top-level object has no key-count limit, and the result is always an object (`{}` when
///   nothing survives, or when the input is not an object at all).
/// - Duplicate keys (after trimming): the last occurrence's value wins — as a JSON decoder into a
///   map would have it — and is placed where the key first appeared. The winner is chosen before
///   sanitising, so a dropped last value removes the key even if an earlier value was valid.
/// - A `.number` whose text is not a JSON number literal is treated like any other non-JSON value:
///   as its string form, under the string rule. So is a literal that is not a number every engine and
///   reader holds (`isPortableNumber`): longer than 32 characters, an exponent beyond ±400, or past a
///   double's range (`1e309`). Such literals are valid JSON, but PostgreSQL's `jsonb` refuses a number
///   past its `numeric` range (131,072 digits before the point, 16,383 after: `1e-99999`, even
///   `0e-99999`), and the original service, which read numbers as float64, refused those past a
///   double; as strings they are stored on every engine, cut to 180 runes.
public enum MetadataSanitizer {
    /// Substrings that mark a key as carrying raw user text.
    static let forbiddenKeyParts = ["content", "message", "text", "body"]
    static let maxStringRunes = 180
    static let maxContainerItems = 25
    static let maxDepth = 4
    /// The longest number literal kept as a number, and the largest exponent (either sign) one may carry: any
    /// double's shortest form (at most 24 characters, exponents -324…308) and any 64-bit integer fit, and such a
    /// literal has at most 431 digits on either side of the point, far inside PostgreSQL `numeric`'s range.
    static let maxNumberLength = 32
    static let maxNumberExponent = 400

    /// The sanitised object for `value`; `{}` when nothing survives or `value` is not an object.
    public static func sanitize(_ value: JSONValue?) -> JSONValue {
        guard case .object(let pairs)? = value else { return .object([]) }
        return sanitize(pairs)
    }

    /// The sanitised object for the given top-level key/value pairs.
    public static func sanitize(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(sanitizeFields(pairs, depth: 0, cap: nil))
    }

    /// Compact JSON text of a (sanitised) value, keys in the given order.
    public static func encode(_ value: JSONValue) -> String {
        CompactJSON.encode(value)
    }

    /// True when the trimmed key may be stored.
    static func isAllowedKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        let lower = key.lowercased()
        return !forbiddenKeyParts.contains { lower.contains($0) }
    }

    /// Object fields: keys trimmed and filtered, duplicates resolved, values sanitised at `depth`,
    /// stopping after `cap` kept fields when there is a cap.
    static func sanitizeFields(_ pairs: [(String, JSONValue)], depth: Int, cap: Int?) -> [(String, JSONValue)] {
        var order: [String] = []
        var latest: [String: JSONValue] = [:]
        for (rawKey, value) in pairs {
            let key = rawKey.trimmingWhitespace()
            guard isAllowedKey(key) else { continue }
            if latest.updateValue(value, forKey: key) == nil { order.append(key) }
        }
        var out: [(String, JSONValue)] = []
        for key in order {
            if let cap, out.count >= cap { break }
            if let clean = sanitizeValue(latest[key]!, depth: depth) { out.append((key, clean)) }
        }
        return out
    }

    /// The sanitised value, or nil when it is dropped.
    static func sanitizeValue(_ value: JSONValue, depth: Int) -> JSONValue? {
        guard depth < maxDepth else { return nil }
        switch value {
        case .null:
            return nil
        case .bool:
            return value
        case .number(let literal):
            return CompactJSON.isNumberLiteral(literal) && isPortableNumber(literal) ? value : sanitizeString(literal)
        case .string(let text):
            return sanitizeString(text)
        case .array(let items):
            var kept: [JSONValue] = []
            for item in items {
                if kept.count >= maxContainerItems { break }
                if let clean = sanitizeValue(item, depth: depth + 1) { kept.append(clean) }
            }
            return kept.isEmpty ? nil : .array(kept)
        case .object(let pairs):
            let kept = sanitizeFields(pairs, depth: depth + 1, cap: maxContainerItems)
            return kept.isEmpty ? nil : .object(kept)
        }
    }

    /// Whether a JSON number literal is kept as written: at most `maxNumberLength` characters, an exponent within
    /// ±`maxNumberExponent`, and a finite double.
    static func isPortableNumber(_ literal: String) -> Bool {
        guard literal.utf8.count <= maxNumberLength, let value = Double(literal), value.isFinite else { return false }
        guard let e = literal.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return true }
        let exponent = literal[literal.index(after: e)...].drop(while: { $0 == "+" })
        // A range test, not abs(): the exponent may be Int.min ("1e-9223372036854775808" is 22 characters).
        return Int(exponent).map { (-maxNumberExponent...maxNumberExponent).contains($0) } ?? false
    }

    /// Trimmed, dropped when empty, then the first 180 runes without trimming again.
    static func sanitizeString(_ text: String) -> JSONValue? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.unicodeScalars.count > maxStringRunes else { return .string(trimmed) }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: trimmed.unicodeScalars.prefix(maxStringRunes))
        return .string(String(view))
    }
}
