import Domain
import Storage

extension AppCommands {
    /// Grants or revokes the stored admin role of the account with `email` (normalised as at signup); returns the
    /// normalised address. No such account is an `OperationFailed` (sign up first, then grant).
    public static func setAdmin(_ deps: AppDependencies, email: String, isAdmin: Bool) async throws -> String {
        let normalized = AuthRules.normalizeEmail(email)
        let found = try await StoreEngine.with(config: deps.config, clock: deps.clock, migrate: true) { engine in
            try await engine.store.setAdmin(email: normalized, isAdmin: isAdmin)
        }
        guard found else { throw OperationFailed("no account with the email \(normalized); sign up first, then grant") }
        return normalized
    }
}
