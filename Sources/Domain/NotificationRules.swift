/// Input rules of the notification routes. Both parameters follow `DecimalText`: plain decimal digits only.
public enum NotificationRules {
    /// `?limit=` when absent or empty.
    public static let defaultLimit = 20
    /// The largest page `?limit=` may ask for.
    public static let maxLimit = 100

    /// `?limit=`: default 20, an integer from 1 to `maxLimit`. `-5` and `99999999999999999999` are integers out of
    /// range; `+5`, ` 5` and `5e1` are not numbers.
    public static func limit(_ raw: String?) throws -> Int {
        guard let raw, !raw.isEmpty else { return defaultLimit }
        switch DecimalText.parse(raw, allowNegative: true) {
        case .notANumber: throw DomainError.invalid("limit must be a number")
        case .value(let value) where (1...Int64(maxLimit)).contains(value): return Int(value)
        case .value, .outOfRange: throw DomainError.invalid("limit must be between 1 and \(maxLimit)")
        }
    }

    /// A notification id: a positive 64-bit integer written as plain decimal digits (no sign).
    public static func id(_ raw: String) throws -> Int64 {
        guard case .value(let value) = DecimalText.parse(raw), value > 0 else { throw DomainError.invalid("notification id is invalid") }
        return value
    }
}
