import Foundation
import TestSupport
import Testing

@testable import App

/// Configuration parsing and start-up validation (JWT secret rules; a bad value exits with status 2).
@Suite struct ConfigTests {
    @Test func defaultsMatchTheContract() throws {
        let c = try AppConfig(values: [:])
        #expect(c.port == 8080)
        #expect(c.databasePath == "./data/personaworlds.sqlite")
        #expect(c.apiRequestTimeout == 15)
        #expect(c.dbQueryTimeout == 5)
        #expect(c.openAIRetryBase == 0.4)
        #expect(c.jobRetryMax == 600)
        #expect(c.workerConcurrency == 4)
        #expect(c.jobLeaseGrace == 30)
        #expect(c.rateLimitPublicReadPerMin == 120)
        #expect(c.effectiveCORSOrigins == ["http://localhost:3000", "http://127.0.0.1:3000"])
        #expect(c.secureCookies == false)
        #expect(c.maxDailyQuota == 1000 && c.maxPersonasPerUser == 50)
        #expect(c.rateLimitSignupPerHour == 20)
        #expect(c.rateLimitLoginFailuresPerMin == 10 && c.rateLimitLoginAccountFailuresPerHour == 100)
    }

    @Test func durationsAreBoundedToAYearAndQuotaDefaultsToTheMaximum() throws {
        #expect(try AppConfig(values: ["FEED_CACHE_TTL": "8760h"]).feedCacheTTL == 8760 * 3600)
        #expect(try AppConfig(values: [:]).publicPageCacheTTL == 1 && AppConfig(values: ["PUBLIC_PAGE_CACHE_TTL": "0s"]).publicPageCacheTTL == 0)
        for (variable, value) in [
            ("FEED_CACHE_TTL", "8760h1s"), ("PUBLIC_PAGE_CACHE_TTL", "8761h"), ("DB_QUERY_TIMEOUT", "99999999999999999999999999h"),
            ("API_READ_TIMEOUT", String(repeating: "9", count: 400) + "h"), ("API_REQUEST_TIMEOUT", "-9999999h"),
        ] {
            #expect(throws: ConfigError(variable: variable, problem: "must be at most 8760h (a year)")) {
                try AppConfig(values: [variable: value])
            }
        }
        #expect(throws: ConfigError(variable: "DEFAULT_REPLY_QUOTA", problem: "25 is above MAX_DAILY_QUOTA (20)")) {
            try AppConfig(values: ["MAX_DAILY_QUOTA": "20"])
        }
        #expect(try AppConfig(values: ["MAX_DAILY_QUOTA": "20", "DEFAULT_REPLY_QUOTA": "20"]).maxDailyQuota == 20)
    }

    @Test func backupSettingsDefaultBesideTheDatabaseAndCanBeTurnedOff() throws {
        let defaults = try AppConfig(values: ["DATABASE_PATH": "/var/lib/pw/db.sqlite"])
        #expect(defaults.backupDirectory == "/var/lib/pw/backups")
        #expect(defaults.backupEvery == 86_400)
        #expect(defaults.backupKeep == 7)
        let set = try AppConfig(values: ["BACKUP_DIR": "/srv/backups", "BACKUP_EVERY": "0", "BACKUP_KEEP": "30"])
        #expect(set.backupDirectory == "/srv/backups")
        #expect(set.backupEvery == 0)
        #expect(set.backupKeep == 30)
        #expect(try AppConfig(values: ["BACKUP_EVERY": "6h"]).backupEvery == 21_600)
    }

    @Test func goDurationsParse() {
        #expect(GoDuration.parse("400ms") == 0.4)
        #expect(GoDuration.parse("1m30s") == 90)
        #expect(GoDuration.parse("1.5h") == 5400)
        #expect(GoDuration.parse("0") == 0)
        #expect(GoDuration.parse("250us") == 0.00025)
        #expect(GoDuration.parse("30") == nil)
        #expect(GoDuration.parse("5x") == nil)
        #expect(GoDuration.parse("") == nil)
    }

    @Test(arguments: [
        ("OPENAI_REQUEST_TIMEOUT", "30"), ("WORKER_POLL_EVERY", "0s"), ("PORT", "eighty"), ("LLM_PROVIDER", "anthropic"),
        ("JOB_RETRY_BASE", "-5s"), ("SECURE_COOKIES", "maybe"), ("WORKER_CONCURRENCY", "0"), ("DB_QUERY_TIMEOUT", "fast"),
        ("JWT_SECRET", "short"), ("DRAFT_MAX_LEN", "1.5"), ("BACKUP_EVERY", "24"), ("BACKUP_EVERY", "500ms"), ("BACKUP_EVERY", "-1h"),
        ("BACKUP_KEEP", "0"), ("BACKUP_KEEP", "seven"), ("API_READ_TIMEOUT", "0s"), ("MAX_DAILY_QUOTA", "0"),
        ("MAX_PERSONAS_PER_USER", "0"), ("RATE_LIMIT_SIGNUP_PER_HOUR", "-1"), ("RATE_LIMIT_LOGIN_ACCOUNT_FAILURES_PER_HOUR", "x"),
    ])
    func badValuesNameTheirVariable(variable: String, value: String) {
        #expect {
            _ = try AppConfig(values: [variable: value])
        } throws: { error in
            (error as? ConfigError)?.variable == variable && "\(error)".contains(variable)
        }
    }

    @Test func productionRefusesMissingOrDefaultSecret() throws {
        #expect(throws: ConfigError.self) { try AppConfig(values: ["APP_ENV": "prod"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["APP_ENV": "production", "JWT_SECRET": "change-me"]) }
        let ok = try AppConfig(values: ["APP_ENV": " PROD ", "JWT_SECRET": String(repeating: "s", count: 32)])
        #expect(ok.isProduction)
        #expect(ok.secureCookies)
        #expect(ok.effectiveCORSOrigins == ["http://localhost:3000"])
    }

    @Test func fileValuesAreLayeredUnderTheEnvironment() throws {
        let dir = TestDirectory()
        let path = dir.path + "/pw.env"
        try """
        # comment
        export PORT=9000
        DATABASE_PATH="/tmp/x.sqlite"
        FRONTEND_ORIGIN=https://a.example # trailing comment
        CORS_ALLOWED_ORIGINS= https://a.example , https://b.example,https://a.example
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try AppConfig.load(environment: ["PORT": "9100"], configFile: path)
        #expect(c.port == 9100)
        #expect(c.databasePath == "/tmp/x.sqlite")
        #expect(c.frontendOrigin == "https://a.example")
        #expect(c.corsAllowedOrigins == ["https://a.example", "https://b.example"])
        #expect(throws: ConfigError.self) { try AppConfig.load(environment: [:], configFile: dir.path + "/missing.env") }
    }

    @Test func unsetSecretIsGeneratedOnceWithPrivateMode() throws {
        let dir = TestDirectory()
        let config = try AppConfig(values: ["DATABASE_PATH": dir.path + "/data/db.sqlite"])
        let first = try JWTSecretStore.resolve(config: config, logger: .init(label: "t"))
        let second = try JWTSecretStore.resolve(config: config, logger: .init(label: "t"))
        #expect(first == second)
        #expect(first.utf8.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/data/jwt_secret")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}

/// The shipped example configuration is valid and documents every variable the loader reads.
@Suite struct ExampleConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func exampleFileLoadsToTheDefaults() throws {
        let c = try AppConfig.load(environment: [:], configFile: Self.root.appendingPathComponent("config/personaworlds.env.example").path)
        let d = try AppConfig(values: [:])
        #expect(c.port == d.port && c.databasePath == d.databasePath && c.jobRetryMax == d.jobRetryMax)
        #expect(c.openAIRetryBase == d.openAIRetryBase && c.workerConcurrency == d.workerConcurrency)
    }

    @Test func everyVariableIsDocumented() throws {
        let example = try String(contentsOf: Self.root.appendingPathComponent("config/personaworlds.env.example"), encoding: .utf8)
        let loader = try String(contentsOf: Self.root.appendingPathComponent("Sources/App/Config/AppConfig+Load.swift"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"r\.(?:string|int|duration|bool|list)\(\s*"([A-Z0-9_]+)""#)
        let names = regex.matches(in: loader, range: NSRange(loader.startIndex..., in: loader)).map {
            String(loader[Range($0.range(at: 1), in: loader)!])
        }
        #expect(names.count > 40)
        for name in names + ["JWT_SECRET"] {
            #expect(example.contains("\(name)="), "\(name) is not documented in config/personaworlds.env.example")
        }
    }
}
