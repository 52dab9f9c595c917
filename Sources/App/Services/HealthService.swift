import Domain
import Storage

/// Readiness and the queue figures `/metrics` refreshes on each scrape.
struct HealthService: Sendable {
    let store: any SchemaStore & JobQueue
    let maxAttempts: Int

    /// Why the process is not ready, or nil when the database answers and every migration this binary knows is applied.
    func notReadyReason() async -> String? {
        do { try await store.ping() } catch { return "database ping failed: \(error)" }
        let status: MigrationStatus
        do { status = try await store.migrationStatus() } catch { return "could not read schema_migrations: \(error)" }
        guard status.applied >= status.expected else { return "migrations pending: applied=\(status.applied) expected=\(status.expected)" }
        return nil
    }

    /// Active jobs per type.
    func queueDepth() async throws -> [String: Int] {
        try await store.queueDepth(maxAttempts: maxAttempts)
    }
}
