import Domain

/// Accounts: signup, login lookups and the facts the navigation shows.
public protocol AccountStore: Sendable {
    /// Inserts a user, and a `signup_from_share` event when the signup came from a shared profile (`shareSlug`
    /// non-empty), in one transaction; a duplicate email throws `DomainError.emailTaken`.
    func createUser(email: String, passwordHash: String, shareSlug: String, now: Timestamp) async throws -> User
    /// A user by normalised email.
    func user(email: String) async throws -> User?
    /// A user's email (nil when the user is gone).
    func email(userID: String) async throws -> String?
    /// The signed-in user's email, role and unread notification count, in one read; nil when the user is gone.
    func accountSummary(userID: String) async throws -> AccountSummary?

    // Sessions: every login token names a session row, so a session can end before its token expires (logout,
    // "log out everywhere"), on every node at once. Deleting a user deletes their sessions.

    /// Records a new session of `userID` that expires at `expiresAt`.
    func createSession(id: String, userID: String, expiresAt: Timestamp, now: Timestamp) async throws
    /// The user of a session that exists, is not revoked and has not expired at `now`; nil otherwise.
    func activeSessionUser(id: String, now: Timestamp) async throws -> String?
    /// Ends one session; true when it was active.
    func revokeSession(id: String, now: Timestamp) async throws -> Bool
    /// Ends every active session of a user; returns how many.
    func revokeAllSessions(userID: String, now: Timestamp) async throws -> Int

    // The admin role is stored on the account and set from the machine's command line (or granted at start-up to
    // existing accounts listed in ADMIN_EMAILS), never by signing up with an address.

    /// Grants or revokes the admin role of the account with exactly this normalised email; false when there is none.
    func setAdmin(email: String, isAdmin: Bool) async throws -> Bool
    /// Whether the user holds the admin role (false when the user is gone).
    func isAdmin(userID: String) async throws -> Bool
}

extension AccountStore {
    /// Creates a user who did not come from a shared profile.
    public func createUser(email: String, passwordHash: String, now: Timestamp) async throws -> User {
        try await createUser(email: email, passwordHash: passwordHash, shareSlug: "", now: now)
    }
}
