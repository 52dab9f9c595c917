/// Compact JSON text for values the domain stores as JSON-typed text columns (event and
/// notification metadata, digest items and stats).
///
/// Keys are written in the order given. Strings are escaped the way Go's `encoding/json` escapes
/// them (quote, backslash, control characters, plus `<`, `>`, `&`, U+2028 and U+2029 as `\u`
/// escapes), so the text is valid for SQLite's `json_valid`, for `JSONSerialization`, and can be
/// sent verbatim in a response that must match the original byte for byte.
public enum CompactJSON {
    /// The compact text of `value`. A `.number` whose text is not a JSON number literal is written
    /// as a string, so the output is always valid JSON.
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `text` is exactly one JSON number literal (RFC 8259 grammar).
    public static func isNumberLiteral(_ text: String) -> Bool {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)), !parsed.trailing,
            case .number(let literal)? = parsed.value
        else { return false }
        return literal == text
    }

    /// The text Go's `encoding/json` writes for a float64: the shortest digits that round-trip,
    /// in plain decimal notation, switching to exponent form below 1e-6 and from 1e21 up
    /// (`e-7`, `e+21`). Non-finite values, which JSON cannot carry, are written as `0`.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == 0 { return "0" }
        let negative = value < 0
        let magnitude = Swift.abs(value)
        // Swift's description already yields the shortest round-trip digits; re-lay them out.
        let text = "\(magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...].replacingPlus()) ?? 0
        }
        var digits = ""
        var pointPosition = 0
        var seenPoint = false
        for ch in mantissa {
            if ch == "." {
                seenPoint = true
                continue
            }
            digits.append(ch)
            if !seenPoint { pointPosition += 1 }
        }
        // Normalise to value = 0.D × 10^decimalExponent with D free of leading/trailing zeros.
        var decimalExponent = pointPosition + exponent
        while digits.first == "0" {
            digits.removeFirst()
            decimalExponent -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return "0" }

        var out = negative ? "-" : ""
        if magnitude < 1e-6 || magnitude >= 1e21 {
            out.append(digits.first!)
            if digits.count > 1 {
                out.append(".")
                out.append(contentsOf: digits.dropFirst())
            }
            let exp = decimalExponent - 1
            out.append("e")
            out.append(exp < 0 ? "-" : "+")
            let expDigits = String(Swift.abs(exp))
            // Go pads to two digits and then strips the pad for negative exponents only.
            if exp >= 0 && expDigits.count < 2 { out.append("0") }
            out.append(expDigits)
            return out
        }
        if decimalExponent <= 0 {
            out.append("0.")
            out.append(String(repeating: "0", count: -decimalExponent))
            out.append(digits)
        } else if decimalExponent >= digits.count {
            out.append(digits)
            out.append(String(repeating: "0", count: decimalExponent - digits.count))
        } else {
            out.append(contentsOf: digits.prefix(decimalExponent))
            out.append(".")
            out.append(contentsOf: digits.dropFirst(decimalExponent))
        }
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let literal):
            if isNumberLiteral(literal) { out.append(contentsOf: literal.utf8) } else { writeString(literal, into: &out) }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, field) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(field.0, into: &out)
                out.append(UInt8(ascii: ":"))
                write(field.1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

private extension Substring {
    /// `Int("+16")` works, but be explicit so an exponent like `e+16` always parses.
    func replacingPlus() -> Substring { first == "+" ? dropFirst() : self }
}
