/// The schema's version history. Migration 1 is `schema.sql`; later entries are append-only.
///
/// A new database gets `schema.sql` (the final state) and every version recorded at once; an older
/// database runs the versions it lacks, in order. Keep `schema.sql` equal to the fully migrated result.
public enum Migrations {
    /// A named, append-only schema change.
    public struct Migration: Sendable {
        public let version: String
        public let sql: String
    }

    /// All migrations, oldest first.
    public static let all: [Migration] = [
        Migration(version: "0001_schema.sql", sql: embeddedSchemaSQL),
    ]

    /// The full schema as shipped in this binary.
    public static var schemaSQL: String { embeddedSchemaSQL }
}
