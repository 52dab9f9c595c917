/// Credential rules for signup and login.
public enum AuthRules {
    /// bcrypt only uses the first 72 bytes; longer passwords are refused instead of silently truncated.
    public static let maxPasswordBytes = 72
    public static let minPasswordBytes = 8

    /// Trims and lower-cases an email.
    public static func normalizeEmail(_ raw: String) -> String { raw.trimmingWhitespace().lowercased() }

    /// Validates signup credentials.
    public static func validateSignup(email: String, password: String) throws {
        guard email.contains("@"), password.utf8.count >= minPasswordBytes else {
            throw DomainError.invalid("invalid email or password")
        }
        guard password.utf8.count <= maxPasswordBytes else {
            throw DomainError.invalid("password must be at most 72 bytes")
        }
    }
}
