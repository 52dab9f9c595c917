import Domain
import Foundation
import PostgresNIO
import Storage

/// Schema application, seeding and readiness.
extension PostgresStore {
    /// Applies the pending migrations, each in its own transaction under the migration lock. A database the original
    /// service created (001-007 applied) gets only 008 onward.
    public func migrate() async throws {
        if try await pendingMigrations().isEmpty { return }
        for migration in PostgresMigrations.all {
            try await write { db in
                try await db.execute("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))")
                try await db.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())
                    """)
                let applied = PostgresMigrations.appliedNumbers(try await db.column("SELECT version FROM schema_migrations", as: String.self))
                guard let number = migration.number, !applied.contains(number) else { return }
                for statement in PostgresMigrations.statements(migration.sql) {
                    try await db.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await db.execute("INSERT INTO schema_migrations(version) VALUES (\(migration.version))")
            }
        }
    }

    /// The migrations this binary knows that the database lacks (all of them for a new database).
    public func pendingMigrations() async throws -> [String] {
        let applied = try await quick { db -> [String] in
            guard try await db.value("SELECT to_regclass('schema_migrations') IS NOT NULL", as: Bool.self) == true else { return [] }
            return try await db.column("SELECT version FROM schema_migrations", as: String.self)
        }
        let numbers = PostgresMigrations.appliedNumbers(applied)
        return PostgresMigrations.all.filter { migration in migration.number.map { !numbers.contains($0) } ?? true }.map(\.version)
    }

    /// Counts applied migrations against the ones this binary knows.
    public func migrationStatus() async throws -> MigrationStatus {
        let applied = try await quick { db -> Int in
            guard try await db.value("SELECT to_regclass('schema_migrations') IS NOT NULL", as: Bool.self) == true else { return 0 }
            return try await db.value("SELECT COUNT(*) FROM schema_migrations", as: Int.self) ?? 0
        }
        return MigrationStatus(applied: applied, expected: PostgresMigrations.all.count)
    }

    /// Upserts the default rooms and inserts the system template when it is missing; safe to run any number of times.
    public func seedDefaults(now: Timestamp) async throws {
        try await write { db in
            for room in SeedData.rooms {
                try await db.execute(
                    """
                    INSERT INTO rooms(id, slug, name, description, created_at) VALUES (\(UUID()), \(room.slug), \(room.slug), \(room.description), \(now))
                    ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description
                    """)
            }
            try await db.execute(
                """
                INSERT INTO templates(id, owner_user_id, name, prompt_rules, turn_count, word_limit, is_public, created_at)
                SELECT \(UUID()), NULL, \(SeedData.templateName), \(SeedData.templateRules), 6, 120, TRUE, \(now)
                WHERE NOT EXISTS (SELECT 1 FROM templates WHERE owner_user_id IS NULL AND LOWER(name) = LOWER(\(SeedData.templateName)))
                """)
        }
    }

    /// A trivial round trip (the readiness ping), waiting at most `pingBudget` for a connection: `/readyz` answers
    /// within 2 s even while the server is unreachable and the pool keeps trying.
    public func ping() async throws {
        _ = try await quick(waitAtMost: Self.pingBudget) { db in try await db.value("SELECT 1", as: Int.self) }
    }

    /// How long the readiness ping waits for a connection.
    static let pingBudget = 1.5
}
