import App
import Testing

/// `DATABASE_URL` selects PostgreSQL; a value that cannot be used stops the start with the variable named.
@Suite struct DatabaseURLTests {
    @Test func aFullURLGivesEveryPartDecoded() throws {
        let url = try DatabaseURL("postgresql://pw%40user:p%3Ass@db.example.com:6543/personaworlds?sslmode=require", osUser: "me")
        #expect(url.host == "db.example.com" && url.port == 6543 && url.socketPath == nil)
        #expect(url.username == "pw@user" && url.password == "p:ss" && url.database == "personaworlds" && url.sslMode == .require)
        #expect(url.redacted == "postgres://pw@user@db.example.com:6543/personaworlds", "no password in what is logged")
    }

    @Test func defaultsFollowLibpq() throws {
        let url = try DatabaseURL("postgres://localhost", osUser: "me")
        #expect(url.port == 5432 && url.username == "me" && url.database == "me" && url.sslMode == .prefer && url.password == nil)
        let ipv6 = try DatabaseURL("postgres://u@[::1]:5433/d", osUser: "me")
        #expect(ipv6.host == "::1" && ipv6.port == 5433 && ipv6.redacted == "postgres://u@[::1]:5433/d")
    }

    @Test func aURLWithoutAHostUsesTheUnixSocket() throws {
        let debian = try DatabaseURL("postgres:///personaworlds", osUser: "pw")
        #expect(debian.host == nil && debian.socketPath == "/var/run/postgresql/.s.PGSQL.5432" && debian.username == "pw")
        let custom = try DatabaseURL("postgresql://u@:7000/d?host=/tmp/pg&sslmode=disable", osUser: "me")
        #expect(custom.socketPath == "/tmp/pg/.s.PGSQL.7000" && custom.sslMode == .disable)
    }

    @Test(arguments: [
        "mysql://u@h/d", "postgres//h/d", "postgres://h:0/d", "postgres://h:99999/d", "postgres://h:abc/d", "postgres://h/d?sslmode=maybe",
        "postgres://h/d?pool_max_conns=4", "postgres://h/d?host=relative", "postgres://h/d?host=/tmp", "postgres://[::1/d", "postgres://h/a/b",
    ])
    func unusableURLsAreRefusedWithTheVariableNamed(_ text: String) {
        #expect(throws: (any Error).self) { try DatabaseURL(text, osUser: "me") }
        do {
            _ = try AppConfig(values: ["DATABASE_URL": text])
            Issue.record("\(text) was accepted")
        } catch let error as ConfigError {
            #expect(error.variable == "DATABASE_URL")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theSecretOfARefusedURLIsNotRepeated() {
        do {
            _ = try AppConfig(values: ["DATABASE_URL": "postgres://u:secret@h:bad/d"])
            Issue.record("a bad port was accepted")
        } catch {
            #expect("\(error)".hasPrefix("config: DATABASE_URL:") && !"\(error)".contains("secret"))
        }
    }

    @Test func withoutDatabaseURLTheEngineIsSQLiteAndThePoolSizeIsBounded() throws {
        let config = try AppConfig(values: [:])
        #expect(config.databaseURL == nil && config.databasePoolSize == 10)
        #expect(try AppConfig(values: ["DATABASE_POOL_SIZE": "25"]).databasePoolSize == 25)
        #expect(throws: ConfigError.self) { try AppConfig(values: ["DATABASE_POOL_SIZE": "0"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["DATABASE_POOL_SIZE": "500"]) }
    }
}
