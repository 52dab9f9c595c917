/// The one rule for integers that arrive as text in a path or query parameter (notification ids, `?limit=`,
/// cursor timestamps): plain ASCII decimal digits, optionally after a single `-` where negatives make sense,
/// and nothing else — no `+`, no spaces, no other digit scripts, no exponent. The value must fit in `Int64`.
///
/// Swift's `Int64(String)` accepts a leading `+`, so `/notifications/+1/read` used to pass; routing every such
/// parameter through here makes them all equally strict.
public enum DecimalText {
    /// What a parameter held.
    public enum Parsed: Equatable, Sendable {
        /// A decimal integer that fits in `Int64`.
        case value(Int64)
        /// Decimal digits (with the allowed sign) whose value does not fit in `Int64`.
        case outOfRange(negative: Bool)
        /// Anything else: empty, a `+`, a space, a letter, a second sign.
        case notANumber
    }

    /// Parses `text` under the rule above; `allowNegative` admits one leading `-`.
    public static func parse(_ text: some StringProtocol, allowNegative: Bool = false) -> Parsed {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if allowNegative, bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return .notANumber }
        // Accumulate toward the sign so Int64.min, whose magnitude has no positive Int64, still parses.
        var value: Int64 = 0
        for byte in bytes {
            let digit = Int64(byte &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return .outOfRange(negative: negative) }
            value = next
        }
        return .value(value)
    }
}
