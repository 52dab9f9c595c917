import PostgresStorage

/// The moved tables' secondary indexes and foreign keys, set aside for the COPY and built again after it, as
/// `pg_restore` does: maintaining `events`' eight indexes and checking every row's foreign keys one row at a time is
/// most of the server's work in a move, while `CREATE INDEX` sorts once and `ADD FOREIGN KEY` validates a table with
/// one join. Everything happens inside the move's one transaction, so a failure or a rollback leaves the schema as the
/// migrations made it; a row whose foreign key points nowhere fails the move when its key is added back, as it failed
/// the COPY before.
///
/// Indexes that back a constraint (primary keys, unique constraints, and any index a foreign key references) stay:
/// dropping them would drop or break the constraint.
struct DeferredChecks: Sendable {
    struct Index: Sendable, Equatable {
        let name: String
        let definition: String
    }

    struct ForeignKey: Sendable, Equatable {
        let table: String
        let name: String
        let definition: String
    }

    let indexes: [Index]
    let foreignKeys: [ForeignKey]

    /// Reads the definitions of the `tables`' foreign keys and of their indexes that back no constraint, then drops them.
    static func setAside(_ bulk: PostgresBulkLoad, tables: [String]) async throws -> DeferredChecks {
        let list = tables.map { "'\($0)'" }.joined(separator: ", ")
        let indexes = try await bulk.strings(
            """
            SELECT quote_ident(x.relname) || chr(9) || pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relnamespace = current_schema()::text::regnamespace AND t.relname IN (\(list))
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY x.relname
            """
        ).compactMap { Self.split($0, fields: 2) }.map { Index(name: $0[0], definition: $0[1]) }
        let foreignKeys = try await bulk.strings(
            """
            SELECT quote_ident(t.relname) || chr(9) || quote_ident(c.conname) || chr(9) || pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND t.relnamespace = current_schema()::text::regnamespace AND t.relname IN (\(list))
            ORDER BY t.relname, c.conname
            """
        ).compactMap { Self.split($0, fields: 3) }.map { ForeignKey(table: $0[0], name: $0[1], definition: $0[2]) }
        for key in foreignKeys { try await bulk.execute("ALTER TABLE \(key.table) DROP CONSTRAINT \(key.name)") }
        for index in indexes { try await bulk.execute("DROP INDEX \(index.name)") }
        return DeferredChecks(indexes: indexes, foreignKeys: foreignKeys)
    }

    /// Builds the indexes again, then adds the foreign keys back (each validates every row of its table).
    func restore(_ bulk: PostgresBulkLoad) async throws {
        for index in indexes { try await bulk.execute(index.definition) }
        for key in foreignKeys { try await bulk.execute("ALTER TABLE \(key.table) ADD CONSTRAINT \(key.name) \(key.definition)") }
    }

    /// A catalogue line's `count` tab-separated fields (quoted names hold no tab; the definition, which might, is last).
    static func split(_ line: String, fields count: Int) -> [String]? {
        let fields = line.split(separator: "\t", maxSplits: count - 1, omittingEmptySubsequences: false).map(String.init)
        return fields.count == count ? fields : nil
    }
}
