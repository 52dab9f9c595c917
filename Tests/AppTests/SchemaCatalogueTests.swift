import Foundation
import TestSupport
import Testing

@testable import App

/// The two engines' schemas, compared: a freshly migrated SQLite database and a freshly migrated PostgreSQL database
/// must have the same tables, columns (storage class and nullability), primary keys, unique constraints and indexes
/// (names, columns, order, unique, partial), except for the drift listed here on purpose. A migration added to one
/// engine and not the other fails here.
///
/// Lives beside `MoveTablesTests` because it reuses move-to-postgres's lists of the tables only one engine has
/// (`MoveTable.sqliteOnly`, `MoveTable.postgresOnly`) instead of keeping a second copy.
@Suite struct SchemaCatalogueTests {
    typealias Fact = SchemaCatalogue.Fact

    /// Tables only one engine has, with all their columns and indexes: move-to-postgres's lists, which give the reasons.
    static var oneEngineTables: Set<String> { Set(MoveTable.sqliteOnly.keys).union(MoveTable.postgresOnly.keys) }

    /// Other facts that one engine has and the other does not, on purpose, each with why. Keep it short and specific:
    /// a whole table belongs in `MoveTable`'s lists, a type in `SchemaCatalogue.representations`.
    static let deliberateDrift: [Fact: String] = [:]

    /// A migrated SQLite file and a migrated PostgreSQL database (nil when PostgreSQL is not installed here).
    static func catalogues(
        sqliteChange: String? = nil, postgresChange: String? = nil
    ) async throws -> (sqlite: SchemaCatalogue, postgres: SchemaCatalogue)? {
        guard StoreBackend.postgres.isAvailable else { return nil }
        let dir = TestDirectory(backend: .sqlite)
        try await StoreBackend.sqlite.makeStore(in: dir).close()
        let db = try await TestDatabase.open(dir)
        if let sqliteChange { try await db.execute(sqliteChange) }
        let sqlite = try await SchemaCatalogue.sqlite(db)
        try await db.close()
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.freshDatabase()
        if let postgresChange { _ = try await cluster.query(name, postgresChange) }
        return (sqlite, try await SchemaCatalogue.postgres(cluster, database: name))
    }

    /// The facts only one side has, outside the one-engine tables.
    static func differences(_ sqlite: SchemaCatalogue, _ postgres: SchemaCatalogue) -> (onlySQLite: Set<Fact>, onlyPostgres: Set<Fact>) {
        let a = sqlite.facts(excluding: oneEngineTables)
        let b = postgres.facts(excluding: oneEngineTables)
        return (a.subtracting(b), b.subtracting(a))
    }

    static func describe(_ onlySQLite: some Collection<Fact>, _ onlyPostgres: some Collection<Fact>) -> String {
        (onlySQLite.sorted().map { "only on SQLite: \($0)" } + onlyPostgres.sorted().map { "only on PostgreSQL: \($0)" }).joined(separator: "\n")
    }

    @Test func bothEnginesHaveTheSameTablesColumnsKeysAndIndexesSaveTheListedDrift() async throws {
        guard let (sqlite, postgres) = try await Self.catalogues() else { return }
        let (onlySQLite, onlyPostgres) = Self.differences(sqlite, postgres)
        let undeclaredSQLite = onlySQLite.filter { Self.deliberateDrift[$0] == nil }
        let undeclaredPostgres = onlyPostgres.filter { Self.deliberateDrift[$0] == nil }
        #expect(undeclaredSQLite.isEmpty && undeclaredPostgres.isEmpty, "undeclared drift:\n\(Self.describe(undeclaredSQLite, undeclaredPostgres))")
        let stale = Self.deliberateDrift.keys.filter { !onlySQLite.contains($0) && !onlyPostgres.contains($0) }
        #expect(stale.isEmpty, "listed as drift but the same on both engines now: \(stale.sorted())")
        // The lists of one-engine tables hold: each table is on its engine and not on the other.
        for table in MoveTable.sqliteOnly.keys {
            #expect(
                sqlite.facts.contains(Fact(table: table, text: "table")) && !postgres.facts.contains(Fact(table: table, text: "table")), "\(table)")
        }
        for table in MoveTable.postgresOnly.keys {
            #expect(
                postgres.facts.contains(Fact(table: table, text: "table")) && !sqlite.facts.contains(Fact(table: table, text: "table")), "\(table)")
        }
        // The comparison saw the schema, not two empty lists.
        #expect(sqlite.facts.count > 150 && sqlite.facts.contains(Fact(table: "users", text: "unique (email)")))
        #expect(postgres.facts.contains(Fact(table: "jobs", text: "unique index uq_jobs_active_generate_reply (post_id, persona_id) partial")))
    }

    @Test func aColumnOrIndexAddedToOneEngineOnlyIsReportedAsDrift() async throws {
        guard
            let (sqlite, postgres) = try await Self.catalogues(
                sqliteChange: "CREATE INDEX idx_users_created_at ON users(created_at DESC)",
                postgresChange: "ALTER TABLE personas ADD COLUMN nickname TEXT NOT NULL DEFAULT ''")
        else { return }
        let (onlySQLite, onlyPostgres) = Self.differences(sqlite, postgres)
        #expect(onlySQLite == [Fact(table: "users", text: "index idx_users_created_at (created_at DESC)")], "\(onlySQLite.sorted())")
        #expect(onlyPostgres == [Fact(table: "personas", text: "column nickname TEXT NOT NULL")], "\(onlyPostgres.sorted())")
    }

    /// How a move kind's column is declared on each engine (`MoveRowCodec` converts between exactly these).
    static func declared(_ kind: MoveTable.Kind) -> (sqlite: String, postgres: Set<String>) {
        switch kind {
        case .text: ("TEXT", ["text"])
        case .uuid: ("TEXT", ["uuid"])
        case .integer: ("INTEGER", ["integer", "bigint"])
        case .boolean: ("INTEGER", ["boolean"])
        case .timestamp: ("TEXT", ["timestamp with time zone"])
        case .date: ("TEXT", ["date"])
        case .json: ("TEXT", ["jsonb"])
        case .enumeration: ("TEXT", ["USER-DEFINED"])
        }
    }

    @Test func everyMovedColumnIsDeclaredOnBothEnginesAsItsMoveKindSays() async throws {
        guard let (sqlite, postgres) = try await Self.catalogues() else { return }
        let sqliteTypes = Dictionary(uniqueKeysWithValues: sqlite.columns.map { ("\($0.table).\($0.name)", $0.type) })
        let postgresTypes = Dictionary(uniqueKeysWithValues: postgres.columns.map { ("\($0.table).\($0.name)", $0.type) })
        for table in MoveTable.all {
            for column in table.columns {
                let key = "\(table.name).\(column.name)"
                let expected = Self.declared(column.kind)
                #expect(sqliteTypes[key] == expected.sqlite, "\(key) on SQLite: \(sqliteTypes[key] ?? "missing")")
                #expect(postgresTypes[key].map(expected.postgres.contains) == true, "\(key) on PostgreSQL: \(postgresTypes[key] ?? "missing")")
            }
        }
    }
}
