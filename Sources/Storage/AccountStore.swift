import Domain

/// Accounts: signup, login lookups and the facts the navigation shows.
public protocol AccountStore: Sendable {
    /// Inserts a user, and a `signup_from_share` event when the signup came from a shared profile (`shareSlug`
    /// non-empty), in one transaction; a duplicate email throws `DomainError.emailTaken`.
    func createUser(email: String, passwordHash: String, shareSlug: String, now: Timestamp) async throws -> User
    /// A user by normalised email.
    func user(email: String) async throws -> User?
    /// Whether a user id still exists (tokens of deleted users stop working).
    func userExists(id: String) async throws -> Bool
    /// A user's email (nil when the user is gone).
    func email(userID: String) async throws -> String?
    /// The signed-in user's email and unread notification count, in one read; nil when the user is gone.
    func accountSummary(userID: String) async throws -> AccountSummary?
}

extension AccountStore {
    /// Creates a user who did not come from a shared profile.
    public func createUser(email: String, passwordHash: String, now: Timestamp) async throws -> User {
        try await createUser(email: email, passwordHash: passwordHash, shareSlug: "", now: now)
    }
}
