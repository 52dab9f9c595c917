import Domain
import Store

/// Signup and login (API.md §3.2).
struct AuthService: Sendable {
    let database: AppDatabase
    let tokens: TokenService
    let hasher: PasswordHasher
    let clock: any AppClock
    let cache: AuthCache

    /// Creates an account and returns `(token, userID)`.
    func signup(email rawEmail: String, password: String, shareSlug: String) async throws -> (token: String, userID: String) {
        let email = AuthRules.normalizeEmail(rawEmail)
        try AuthRules.validateSignup(email: email, password: password)
        let hash: String
        do { hash = try await hasher.hash(password) } catch { throw error.asInternal("could not hash password") }
        let user: User
        do {
            user = try await database.createUser(email: email, passwordHash: hash, now: clock.now())
        } catch { throw error.asInternal("could not create user") }
        let slug = Slug.normalize(shareSlug)
        if !slug.isEmpty {
            try? await database.recordEvent(userID: user.id, name: "signup_from_share",
                                            metadataJSON: #"{"share_slug":"\#(slug)","source":"public_profile"}"#, now: clock.now())
        }
        let token: String
        do { token = try await tokens.issue(userID: user.id) } catch { throw error.asInternal("could not create token") }
        return (token, user.id)
    }

    /// Verifies credentials and returns `(token, userID)`.
    func login(email rawEmail: String, password: String) async throws -> (token: String, userID: String) {
        let email = AuthRules.normalizeEmail(rawEmail)
        let found: User?
        do { found = try await database.user(email: email) } catch { throw error.asInternal("could not query user") }
        // Passwords bcrypt cannot represent never match; this also keeps a 73+ byte guess from erroring.
        guard let user = found, password.utf8.count <= AuthRules.maxPasswordBytes,
              try await hasher.verify(password, hash: user.passwordHash) else {
            throw DomainError.unauthorized("invalid credentials")
        }
        let token: String
        do { token = try await tokens.issue(userID: user.id) } catch { throw error.asInternal("could not create token") }
        return (token, user.id)
    }

    /// The user id of a bearer token whose user still exists (recent answers come from `AuthCache`).
    func authenticate(token: String) async throws -> String {
        let now = clock.now()
        let userID: String
        if let cached = cache.user(forToken: token, now: now) {
            userID = cached
        } else {
            let verified = try await tokens.verify(token)
            cache.remember(token: token, userID: verified.userID, expires: verified.expires)
            userID = verified.userID
        }
        guard !cache.userRecentlyExisted(userID, now: now) else { return userID }
        let exists: Bool
        do { exists = try await database.userExists(id: userID) } catch { throw error.asInternal("could not verify user") }
        guard exists else { throw DomainError.unauthorized("invalid token") }
        cache.rememberUser(userID, now: now)
        return userID
    }
}
