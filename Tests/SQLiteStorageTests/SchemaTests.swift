import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// The migrated database matches `schema.sql`, and migration and seeding are idempotent.
@Suite struct SchemaTests {
    /// `schema.sql` read from the repository root (not the embedded copy).
    static func rootSchema() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("schema.sql"), encoding: .utf8)
    }

    @Test func migratedDatabaseEqualsSchemaFile() async throws {
        let dir = TestDirectory()
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await db.migrate()
        let migrated = try await db.schemaDescription()

        let reference = try DatabaseQueue(path: dir.path + "/reference.sqlite")
        try await reference.write { try $0.execute(sql: try Self.rootSchema()) }
        let expected = try await reference.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
                    WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
                    """)
        }
        #expect(migrated == expected)
        // The 16 contract tables + llm_cache, remix_redemptions, digest_leases, quota_counters, sessions, nodes, the
        // three engagement aggregates and the trending window's two.
        #expect(migrated.filter { $0.hasPrefix("table ") }.count == 27)
        #expect(migrated.filter { $0.hasPrefix("trigger ") }.count == 4)
        for index in [
            "idx_jobs_active_pick", "uq_jobs_active_generate_reply", "uq_reply_per_persona_per_post",
            "idx_posts_persona_published_created_id", "idx_posts_published_created_at", "idx_jobs_dedupe_lookup",
            "idx_events_user_event_created", "idx_events_engagement_battle",
        ] {
            #expect(migrated.contains { $0.hasPrefix("index \(index):") }, "\(index)")
        }
    }

    @Test func migrateAndSeedAreIdempotentAcrossConnections() async throws {
        let dir = TestDirectory()
        let clock = ManualClock()
        let a = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        let b = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        async let first: Void = a.migrate()
        async let second: Void = b.migrate()
        _ = try await (first, second)
        try await a.seedDefaults(now: clock.now())
        try await b.seedDefaults(now: clock.now())
        try await a.migrate()
        let status = try await a.migrationStatus()
        #expect(status.applied == status.expected)
        #expect(try await a.rooms().count == 4)
        let templates = try await a.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM templates") }
        #expect(templates == 1)
    }

    @Test func connectionsUseWALAndForeignKeys() async throws {
        let dir = TestDirectory()
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await db.migrate()
        let pragmas = try await db.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
            )
        }
        #expect(pragmas.0 == "wal")
        #expect(pragmas.1 == 1)
        #expect(pragmas.2 == 1) // NORMAL
        #expect((pragmas.3 ?? 0) >= 5000)
        #expect(try await db.integrityCheck() == "ok")
    }
}

/// An older database upgraded by the append-only migrations ends up with exactly `schema.sql`.
@Suite struct UpgradeTests {
    @Test func version1DatabaseMigratesToTheCurrentSchema() async throws {
        let dir = TestDirectory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/schema-v1.sql")
        let old = try DatabaseQueue(path: dir.databasePath)
        try await old.write { db in
            try db.execute(sql: try String(contentsOf: fixture, encoding: .utf8))
            try db.execute(sql: "INSERT INTO schema_migrations(version) VALUES ('0001_schema.sql')")
        }
        try old.close()
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await db.migrate()
        let status = try await db.migrationStatus()
        #expect(status.applied == status.expected)

        let reference = try DatabaseQueue(path: dir.path + "/reference.sqlite")
        try await reference.write { try $0.execute(sql: try SchemaTests.rootSchema()) }
        let expected = try await reference.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
                    WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
                    """)
        }
        let migrated = try await db.schemaDescription()
        // sqlite_master keeps each statement's original text; compare modulo whitespace.
        let normalize: (String) -> String = { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
        #expect(migrated.map(normalize) == expected.map(normalize))
    }
}
