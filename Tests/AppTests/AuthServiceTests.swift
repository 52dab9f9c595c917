import Domain
import SQLiteStorage
import Storage
import TestSupport
import Testing

@testable import App

/// `AuthService` against a database that counts its calls.
@Suite struct AuthServiceTests {
    @Test func aMalformedLoginEmailNeverReachesTheDatabase() async throws {
        let dir = TestDirectory()
        let calls = LockedBox(0)
        let database = try SQLiteStore.open(
            settings: DatabaseSettings(path: dir.databasePath, queryTimeout: 5), observe: { _ in calls.mutate { $0 += 1 } })
        try await database.migrate()
        let clock = ManualClock()
        let auth = AuthService(
            store: database, tokens: await TokenService(secret: TestApp.secret, clock: clock), hasher: PasswordHasher(cost: 4),
            clock: clock, cache: AuthCache())
        let before = calls.value
        for email in ["@", "a@b@c", "x\u{200B}@y.z", String(repeating: "a", count: 300) + "@x.io"] {
            await #expect(throws: DomainError.invalid("invalid email or password")) {
                _ = try await auth.login(email: email, password: "password123")
            }
        }
        #expect(calls.value == before, "no query for an address that cannot name an account")
        await #expect(throws: DomainError.unauthorized("invalid credentials")) { _ = try await auth.login(email: "a@b.c", password: "password123") }
        #expect(calls.value > before, "a well-formed one is looked up")
    }
}
