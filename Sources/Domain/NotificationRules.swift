/// Input rules of the notification routes.
public enum NotificationRules {
    /// `?limit=`: default 20, an integer from 1 to 100.
    public static func limit(_ raw: String?) throws -> Int {
        guard let raw, !raw.isEmpty else { return 20 }
        guard let value = Int(raw.trimmingWhitespace()) else { throw DomainError.invalid("limit must be a number") }
        guard (1...100).contains(value) else { throw DomainError.invalid("limit must be between 1 and 100") }
        return value
    }

    /// A notification id: a positive 64-bit integer.
    public static func id(_ raw: String) throws -> Int64 {
        guard let value = Int64(raw), value > 0 else { throw DomainError.invalid("notification id is invalid") }
        return value
    }
}
