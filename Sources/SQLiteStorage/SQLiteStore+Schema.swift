import Domain
import GRDB
import Storage

/// Schema application, seeding and readiness.
extension SQLiteStore {
    /// Applies `schema.sql` to a new file, or the pending migrations to an older one, in one exclusive transaction.
    ///
    /// First, once per file, `auto_vacuum = INCREMENTAL`, so pruning gives space back to the file system: the mode
    /// only takes effect through a `VACUUM` (outside any transaction), instant on a new file and a one-time rewrite
    /// of an older one.
    public func migrate() async throws {
        try await pool.writeWithoutTransaction { db in
            if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
            }
            try db.inTransaction(.exclusive) {
                if try !db.tableExists("schema_migrations") {
                    try db.execute(sql: Migrations.schemaSQL)
                    for migration in Migrations.all {
                        try db.execute(sql: "INSERT OR IGNORE INTO schema_migrations(version) VALUES (?)", arguments: [migration.version])
                    }
                } else {
                    let applied = Set(try String.fetchAll(db.cachedStatement(sql: "SELECT version FROM schema_migrations")))
                    for migration in Migrations.all where !applied.contains(migration.version) {
                        try db.execute(sql: migration.sql)
                        try db.execute(sql: "INSERT INTO schema_migrations(version) VALUES (?)", arguments: [migration.version])
                    }
                }
                return .commit
            }
        }
    }

    /// Counts applied migrations against the ones this binary knows.
    public func migrationStatus() async throws -> MigrationStatus {
        try await read { db in
            let applied =
                try db.tableExists("schema_migrations")
                ? (try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM schema_migrations")) ?? 0) : 0
            return MigrationStatus(applied: applied, expected: Migrations.all.count)
        }
    }

    /// Upserts the default rooms and inserts the system template when it is missing; safe to run any number of times.
    public func seedDefaults(now: Timestamp) async throws {
        try await write { db in
            for room in SeedData.rooms {
                try db.execute(
                    sql: """
                        INSERT INTO rooms(id, slug, name, description, created_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(slug) DO UPDATE SET name = excluded.name, description = excluded.description
                        """, arguments: [Identifiers.newUUID(), room.slug, room.slug, room.description, now.storageString])
            }
            try db.execute(
                sql: """
                    INSERT INTO templates(id, owner_user_id, name, prompt_rules, turn_count, word_limit, is_public, created_at)
                    SELECT ?, NULL, ?, ?, 6, 120, 1, ?
                    WHERE NOT EXISTS (SELECT 1 FROM templates WHERE owner_user_id IS NULL AND lower(name) = lower(?))
                    """, arguments: [Identifiers.newUUID(), SeedData.templateName, SeedData.templateRules, now.storageString, SeedData.templateName])
        }
    }

    /// Runs `SELECT 1` on a reader connection (the readiness ping).
    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT 1")) }
    }

    /// The schema as `sqlite_master` describes it (`type name: sql`, ordered by type and name), for comparison.
    public func schemaDescription() async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
                        WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
                        """))
        }
    }

    /// `PRAGMA integrity_check` result (`ok` when healthy).
    public func integrityCheck() async throws -> String {
        try await read { db in try String.fetchOne(db.cachedStatement(sql: "PRAGMA integrity_check")) ?? "" }
    }
}
