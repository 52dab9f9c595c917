import Domain

/// The store's own lifecycle: schema, seed rows, readiness, shutdown.
public protocol SchemaStore: Sendable {
    /// Applies the schema to a new database, or the pending migrations to an older one.
    func migrate() async throws
    /// Counts applied migrations against the ones this binary knows.
    func migrationStatus() async throws -> MigrationStatus
    /// Upserts the default rooms and inserts the system template when it is missing; idempotent.
    func seedDefaults(now: Timestamp) async throws
    /// A trivial round trip (the readiness ping).
    func ping() async throws
    /// Closes all connections (at shutdown).
    func close() async throws
}
