import Domain
import Store

/// Signup and login.
struct AuthService: Sendable {
    let database: AppDatabase
    let tokens: TokenService
    let hasher: PasswordHasher
    let clock: any AppClock
    let cache: AuthCache

    /// Creates an account and returns `(token, userID)`.
    func signup(email rawEmail: String, password: String, shareSlug: String) async throws -> (token: String, userID: String) {
        let email = try AuthRules.validateSignup(email: rawEmail, password: password)
        let hash: String
        do { hash = try await hasher.hash(password) } catch { throw error.asInternal("could not hash password") }
        let user: User
        do {
            user = try await database.createUser(email: email, passwordHash: hash, shareSlug: Slug.normalize(shareSlug), now: clock.now())
        } catch { throw error.asInternal("could not create user") }
        let token: String
        do { token = try await tokens.issue(userID: user.id) } catch { throw error.asInternal("could not create token") }
        return (token, user.id)
    }

    /// Verifies credentials and returns `(token, userID)`.
    func login(email rawEmail: String, password: String) async throws -> (token: String, userID: String) {
        // A malformed address cannot name an account (signup refuses it), so it gets a wrong password's answer
        // without a database lookup or a bcrypt run.
        guard let email = AuthRules.validEmail(rawEmail) else { throw DomainError.unauthorized("invalid credentials") }
        let found: User?
        do { found = try await database.user(email: email) } catch { throw error.asInternal("could not query user") }
        // An unknown email is compared against a dummy hash of the same cost, so the answer takes as long as a
        // wrong password for a real account and timing does not reveal who has one.
        let hash: String
        if let found { hash = found.passwordHash } else { hash = try await hasher.dummyHash() }
        // Passwords bcrypt cannot represent never match; this also keeps a 73+ byte guess from erroring.
        let candidate = password.utf8.count <= AuthRules.maxPasswordBytes ? password : ""
        let matched = try await hasher.verify(candidate, hash: hash)
        guard let user = found, matched, password.utf8.count <= AuthRules.maxPasswordBytes else {
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

extension AuthService {
    /// Optional authentication: the user of a valid bearer header (trimmed first), or nil for anything
    /// else (absent, malformed, expired, a deleted user). Never an error, so public routes and event
    /// attribution behave the same for a visitor with a stale token as for one with none.
    func optionalUser(authorization header: String?) async -> String? {
        guard let header = header?.trimmingWhitespace(), !header.isEmpty,
            let token = AuthMiddleware.bearerToken(header)
        else { return nil }
        return try? await authenticate(token: token)
    }
}
