/// Credential rules for signup and login: the one place that says what an email address and a password are.
public enum AuthRules {
    /// bcrypt only uses the first 72 bytes; longer passwords are refused instead of silently truncated.
    public static let maxPasswordBytes = 72
    public static let minPasswordBytes = 8
    /// The longest address SMTP can carry (RFC 5321's 256-byte path less the angle brackets), in UTF-8 bytes.
    public static let maxEmailBytes = 254

    /// The contract's answer to a malformed email or a password that breaks the rules at signup.
    public static let invalidCredentialsMessage = "invalid email or password"
    /// The answer to a password bcrypt cannot represent.
    public static let passwordTooLongMessage = "password must be at most \(maxPasswordBytes) bytes"

    /// The stored and compared form of an email: trimmed, lower-cased, then Unicode NFC, so `Bob@X.io `,
    /// `bob@x.io` and an address typed with a combining accent (`jose\u{301}@…`) are one account, one admin
    /// entry and one throttle key. NFC comes last because lower-casing can produce decomposed text.
    public static func normalizeEmail(_ raw: String) -> String {
        let folded = raw.trimmingWhitespace().lowercased()
        // The standard library's own NFC (the one `String ==` compares by); `_nfcCodeUnits` is its public,
        // ABI-stable entry point, so Domain needs no Foundation for it.
        return String(decoding: folded._nfcCodeUnits, as: UTF8.self)
    }

    /// The normalised form of `raw` when it is a well-formed address, else nil. Well-formed: at most
    /// `maxEmailBytes` bytes; exactly one `@` with a non-empty local part; a domain of dot-separated, non-empty
    /// labels; no whitespace, control or format characters (zero-width spaces and joiners, bidi controls, the
    /// BOM); and none of the characters RFC 5322 reserves as delimiters (`<>()[]\,;:"`), which no unquoted
    /// address contains and which only ever arrive as markup or injection attempts.
    public static func validEmail(_ raw: String) -> String? {
        let email = normalizeEmail(raw)
        guard !email.isEmpty, email.utf8.count <= maxEmailBytes else { return nil }
        guard email.unicodeScalars.allSatisfy(isAllowedInEmail) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty }) else { return nil }
        return email
    }

    /// Whether `password` may be set as an account's password: `minPasswordBytes...maxPasswordBytes` UTF-8 bytes
    /// and not only whitespace. Throws the contract's message for the failed part.
    public static func validatePassword(_ password: String) throws {
        let bytes = password.utf8.count
        guard bytes >= minPasswordBytes, password.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw DomainError.invalid(invalidCredentialsMessage)
        }
        guard bytes <= maxPasswordBytes else { throw DomainError.invalid(passwordTooLongMessage) }
    }

    /// Validates signup credentials and returns the email to store (normalised).
    public static func validateSignup(email raw: String, password: String) throws -> String {
        guard let email = validEmail(raw) else { throw DomainError.invalid(invalidCredentialsMessage) }
        try validatePassword(password)
        return email
    }

    /// Characters that may appear in an address: no whitespace (which includes CR, LF and the line separators),
    /// no control or format characters, no RFC 5322 delimiters.
    private static func isAllowedInEmail(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        default: break
        }
        return !delimiters.contains(scalar)
    }

    private static let delimiters: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", "\\", ",", ";", ":", "\""]
}
