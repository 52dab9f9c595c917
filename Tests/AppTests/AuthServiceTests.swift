import Domain
import Storage
import TestSupport
import Testing

@testable import App

/// `AuthService` against an account store that counts its calls.
@Suite struct AuthServiceTests {
    @Test func aMalformedLoginEmailNeverReachesTheDatabase() async throws {
        let dir = TestDirectory()
        let clock = ManualClock()
        let store = CountingAccountStore(inner: try await dir.backend.makeStore(in: dir, now: clock.now()))
        let auth = AuthService(
            store: store, tokens: await TokenService(secret: TestApp.secret, clock: clock), hasher: PasswordHasher(cost: 4),
            clock: clock, cache: AuthCache(), caches: RecordingCacheInvalidator())
        for email in ["@", "a@b@c", "x\u{200B}@y.z", String(repeating: "a", count: 300) + "@x.io"] {
            await #expect(throws: DomainError.invalid("invalid email or password")) {
                _ = try await auth.login(email: email, password: "password123")
            }
        }
        #expect(store.calls.value == 0, "no query for an address that cannot name an account")
        await #expect(throws: DomainError.unauthorized("invalid credentials")) { _ = try await auth.login(email: "a@b.c", password: "password123") }
        #expect(store.calls.value == 1, "a well-formed one is looked up")
    }
}

/// Forwards to a real store and counts the calls.
private final class CountingAccountStore: AccountStore {
    let inner: any AccountStore
    let calls = LockedBox(0)

    init(inner: any AccountStore) { self.inner = inner }

    private func counted<T>(_ body: () async throws -> T) async rethrows -> T {
        calls.mutate { $0 += 1 }
        return try await body()
    }

    func createUser(email: String, passwordHash: String, shareSlug: String, now: Timestamp) async throws -> User {
        try await counted { try await inner.createUser(email: email, passwordHash: passwordHash, shareSlug: shareSlug, now: now) }
    }
    func user(email: String) async throws -> User? { try await counted { try await inner.user(email: email) } }
    func email(userID: String) async throws -> String? { try await counted { try await inner.email(userID: userID) } }
    func accountSummary(userID: String) async throws -> AccountSummary? { try await counted { try await inner.accountSummary(userID: userID) } }
    func createSession(id: String, userID: String, expiresAt: Timestamp, now: Timestamp) async throws {
        try await counted { try await inner.createSession(id: id, userID: userID, expiresAt: expiresAt, now: now) }
    }
    func activeSessionUser(id: String, now: Timestamp) async throws -> String? {
        try await counted { try await inner.activeSessionUser(id: id, now: now) }
    }
    func revokeSession(id: String, now: Timestamp) async throws -> Bool { try await counted { try await inner.revokeSession(id: id, now: now) } }
    func revokeAllSessions(userID: String, now: Timestamp) async throws -> Int {
        try await counted { try await inner.revokeAllSessions(userID: userID, now: now) }
    }
    func setAdmin(email: String, isAdmin: Bool) async throws -> Bool {
        try await counted { try await inner.setAdmin(email: email, isAdmin: isAdmin) }
    }
    func isAdmin(userID: String) async throws -> Bool { try await counted { try await inner.isAdmin(userID: userID) } }
}

/// The hasher the application is built with, and the cheaper one the tests use.
@Suite struct PasswordHasherTests {
    @Test func theApplicationHashesAtTheOriginalsCostOfTen() async throws {
        let deps = AppDependencies(config: try TestApp.config(TestDirectory()), logger: .init(label: "test"))
        let hash = try await deps.passwordHasher.hash("correct horse")
        #expect(hash.hasPrefix("$2b$10$"), "\(hash)")
        #expect(try await deps.passwordHasher.verify("correct horse", hash: hash))
    }

    @Test func aCheaperTestCostStillTellsTheRightPasswordFromAWrongOne() async throws {
        let hash = try await TestApp.testHasher.hash("correct horse")
        #expect(hash.hasPrefix("$2b$04$"), "\(hash)")
        #expect(try await TestApp.testHasher.verify("correct horse", hash: hash))
        #expect(try await TestApp.testHasher.verify("correct horsE", hash: hash) == false)
    }
}
