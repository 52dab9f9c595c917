import Domain
import Storage

/// Signup and login.
struct AuthService: Sendable {
    let store: any AccountStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let clock: any AppClock
    let cache: AuthCache
    /// Tells every node that a user's sessions were revoked (their `AuthCache` forgets them at once).
    let caches: any CacheInvalidator

    /// Creates an account and returns `(token, userID)`.
    func signup(email rawEmail: String, password: String, shareSlug: String) async throws -> (token: String, userID: String) {
        let email = try AuthRules.validateSignup(email: rawEmail, password: password)
        let hash: String
        do { hash = try await hasher.hash(password) } catch { throw error.asInternal("could not hash password") }
        let user: User
        do {
            user = try await store.createUser(email: email, passwordHash: hash, shareSlug: Slug.normalize(shareSlug), now: clock.now())
        } catch { throw error.asInternal("could not create user") }
        return (try await startSession(userID: user.id), user.id)
    }

    /// Verifies credentials and returns `(token, userID)`.
    func login(email rawEmail: String, password: String) async throws -> (token: String, userID: String) {
        // DECISIONS 29: a malformed address is 400 `invalid email or password` at login as at signup, answered
        // without a database lookup or a bcrypt run (it cannot name an account: signup refuses it).
        guard let email = AuthRules.validEmail(rawEmail) else { throw DomainError.invalid(AuthRules.invalidCredentialsMessage) }
        let found: User?
        do { found = try await store.user(email: email) } catch { throw error.asInternal("could not query user") }
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
        return (try await startSession(userID: user.id), user.id)
    }

    /// Signs a token for a new session of `userID` and records the session, so it can be revoked.
    private func startSession(userID: String) async throws -> String {
        let issued: TokenService.Issued
        do { issued = try await tokens.issue(userID: userID) } catch { throw error.asInternal("could not create token") }
        do { try await store.createSession(id: issued.sessionID, userID: userID, expiresAt: issued.expires, now: clock.now()) } catch {
            throw error.asInternal("could not create token")
        }
        return issued.token
    }

    /// The signed-in user's email and unread count for the navigation; nil when the user is gone.
    func accountSummary(userID: String) async throws -> AccountSummary? {
        do { return try await store.accountSummary(userID: userID) } catch { throw error.asInternal("could not load account") }
    }

    /// The user id of a bearer token whose session is live (not logged out, not expired, its user not deleted).
    /// Recent answers come from `AuthCache`; a session is read from the store at most once per `sessionTTL`.
    func authenticate(token: String) async throws -> String {
        let now = clock.now()
        let verified: TokenService.Verified
        if let cached = cache.verified(token: token, now: now) {
            verified = cached
        } else {
            verified = try await tokens.verify(token)
            cache.remember(token: token, verified)
        }
        // A token without a session predates revocable sessions and cannot be logged out: refused.
        guard let session = verified.sessionID else { throw DomainError.unauthorized("invalid token") }
        if let user = cache.liveSession(session, now: now), user == verified.userID { return user }
        let user: String?
        do { user = try await store.activeSessionUser(id: session, now: now) } catch { throw error.asInternal("could not verify user") }
        guard let user, user == verified.userID else { throw DomainError.unauthorized("invalid token") }
        cache.rememberSession(session, userID: user, now: now)
        return user
    }

    /// Ends the session of `token` (logout); a token that is already invalid is not an error.
    func logout(token: String) async throws {
        guard let verified = try? await tokens.verify(token), let session = verified.sessionID else { return }
        cache.forgetSession(session)
        do { _ = try await store.revokeSession(id: session, now: clock.now()) } catch { throw error.asInternal("could not log out") }
        cache.forgetSession(session)
        await caches.sessionsRevoked(userID: verified.userID)
    }

    /// Ends every session of the user ("log out everywhere"); returns how many were live.
    func logoutEverywhere(userID: String) async throws -> Int {
        cache.forgetSessions(ofUser: userID)
        let revoked: Int
        do { revoked = try await store.revokeAllSessions(userID: userID, now: clock.now()) } catch { throw error.asInternal("could not log out") }
        cache.forgetSessions(ofUser: userID)
        await caches.sessionsRevoked(userID: userID)
        return revoked
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
