import Foundation
import TestSupport

/// One engine's schema as facts that can be compared with the other engine's: tables, columns (storage class and
/// nullability), primary keys, unique constraints and indexes (name, columns in order with `DESC`, unique, partial).
///
/// The engines name and type things differently on purpose; the facts are written so that only deliberate drift
/// remains: a PostgreSQL type is written as the SQLite storage class it is kept in (`representations`), and the
/// indexes behind PRIMARY KEY and UNIQUE constraints are compared by table and columns, not by name (SQLite calls
/// them `sqlite_autoindex_<table>_<n>`, PostgreSQL `<table>_pkey` and `<table>_<columns>_key`).
struct SchemaCatalogue {
    struct Fact: Hashable, Comparable, CustomStringConvertible {
        let table: String
        let text: String
        var description: String { "\(table): \(text)" }
        static func < (a: Fact, b: Fact) -> Bool { (a.table, a.text) < (b.table, b.text) }
    }

    /// A column's declared type on either engine, for the move list's check.
    struct Column: Hashable {
        let table: String
        let name: String
        let type: String
    }

    var facts: Set<Fact> = []
    var columns: [Column] = []

    /// PostgreSQL column types and the SQLite storage class each is kept in, and why they differ. A PostgreSQL type
    /// not listed here is written as itself, so it matches nothing on SQLite and fails the comparison.
    static let representations: [String: (sqlite: String, reason: String)] = [
        "text": ("TEXT", "the same type"),
        "integer": ("INTEGER", "SQLite has one integer type"),
        "bigint": ("INTEGER", "SQLite has one integer type"),
        "uuid": ("TEXT", "PostgreSQL keeps the original's uuid ids; SQLite keeps them as lower-case text"),
        "timestamp with time zone": ("TEXT", "SQLite keeps timestamps as UTC text to the microsecond"),
        "date": ("TEXT", "SQLite keeps days as YYYY-MM-DD text"),
        "jsonb": ("TEXT", "SQLite keeps JSON as text"),
        "USER-DEFINED": ("TEXT", "PostgreSQL keeps the original's enum types; SQLite keeps text under a CHECK"),
        "boolean": ("INTEGER", "SQLite keeps booleans as 0/1"),
    ]

    mutating func add(_ table: String, _ text: String) { facts.insert(Fact(table: table, text: text)) }

    /// The facts of tables other than `excluded`.
    func facts(excluding excluded: Set<String>) -> Set<Fact> { facts.filter { !excluded.contains($0.table) } }

    /// `a, b DESC, <expression>`.
    static func columnList(_ parts: [(name: String?, descending: Bool)]) -> String {
        parts.map { ($0.name ?? "<expression>") + ($0.descending ? " DESC" : "") }.joined(separator: ", ")
    }

    // MARK: SQLite

    /// The catalogue of a SQLite database: `sqlite_master` and the `table_info`, `index_list` and `index_xinfo` pragmas.
    /// Tables named `sqlite_…` are SQLite's own (the AUTOINCREMENT counters) and left out.
    static func sqlite(_ db: TestDatabase) async throws -> SchemaCatalogue {
        var catalogue = SchemaCatalogue()
        let tables = try await db.strings("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name")
        for table in tables {
            catalogue.add(table, "table")
            let columns = try await db.rows(#"SELECT name, upper(type) AS type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid"#, [table])
            let key = columns.filter { Int(text($0, "pk")) ?? 0 > 0 }.sorted { Int(text($0, "pk"))! < Int(text($1, "pk"))! }
            // A lone INTEGER PRIMARY KEY is the rowid, which is never NULL whatever the declaration says.
            let rowid = key.count == 1 && text(key[0], "type") == "INTEGER" ? text(key[0], "name") : nil
            for column in columns {
                let name = text(column, "name")
                let type = text(column, "type")
                let notNull = text(column, "notnull") == "1" || name == rowid
                catalogue.columns.append(Column(table: table, name: name, type: type))
                catalogue.add(table, "column \(name) \(type)\(notNull ? " NOT NULL" : "")")
            }
            if !key.isEmpty { catalogue.add(table, "primary key (\(key.map { text($0, "name") }.joined(separator: ", ")))") }
            for index in try await db.rows(#"SELECT name, "unique", origin, partial FROM pragma_index_list(?)"#, [table]) {
                let name = text(index, "name")
                let origin = text(index, "origin")
                // The primary key's own index (WITHOUT ROWID tables, text keys) is the primary key fact above.
                if origin == "pk" { continue }
                let parts = try await db.rows(#"SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno"#, [name])
                // An expression's column has no name.
                let list = columnList(parts.map { (name: $0["name"] ?? nil, descending: text($0, "desc") == "1") })
                if origin == "u" {
                    catalogue.add(table, "unique (\(list))")
                } else {
                    let unique = text(index, "unique") == "1" ? "unique " : ""
                    let partial = text(index, "partial") == "1" ? " partial" : ""
                    catalogue.add(table, "\(unique)index \(name) (\(list))\(partial)")
                }
            }
        }
        return catalogue
    }

    /// A row's value as text ("" for NULL or a missing column).
    private static func text(_ row: [String: String?], _ column: String) -> String { (row[column] ?? nil) ?? "" }

    // MARK: PostgreSQL

    /// The catalogue of a PostgreSQL database's `public` schema: `information_schema.columns`, `pg_index` and
    /// `pg_constraint`.
    static func postgres(_ cluster: PostgresCluster, database: String) async throws -> SchemaCatalogue {
        var catalogue = SchemaCatalogue()
        let columns = try await cluster.query(
            database,
            """
            SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text
            FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position
            """)
        for row in columns {
            let (table, name, type, nullable) = try row.decode((String, String, String, String).self)
            catalogue.columns.append(Column(table: table, name: name, type: type))
            catalogue.add(table, "table")
            let storage = representations[type]?.sqlite ?? type
            catalogue.add(table, "column \(name) \(storage)\(nullable == "NO" ? " NOT NULL" : "")")
        }
        let indexes = try await cluster.query(
            database,
            """
            SELECT t.relname::text, i.relname::text,
                   CASE WHEN x.indisprimary THEN 'p' ELSE COALESCE((SELECT k.contype::text FROM pg_constraint k WHERE k.conindid = x.indexrelid
                                                                     AND k.contype IN ('p', 'u') LIMIT 1), '') END,
                   x.indisunique::text, (x.indpred IS NOT NULL)::text,
                   (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname::text END
                                      || CASE WHEN x.indoption[k.ord - 1] & 1 = 1 THEN ' DESC' ELSE '' END, ', ' ORDER BY k.ord)
                    FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                    WHERE k.ord <= x.indnkeyatts)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' ORDER BY 1, 2
            """)
        for row in indexes {
            let (table, name, constraint, unique, partial, list) = try row.decode((String, String, String, String, String, String).self)
            switch constraint {
            case "p": catalogue.add(table, "primary key (\(list))")
            case "u": catalogue.add(table, "unique (\(list))")
            default: catalogue.add(table, "\(unique == "true" ? "unique " : "")index \(name) (\(list))\(partial == "true" ? " partial" : "")")
            }
        }
        return catalogue
    }
}
