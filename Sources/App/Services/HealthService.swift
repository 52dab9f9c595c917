import Domain
import Storage

/// Readiness and the queue figures `/metrics` refreshes on each scrape.
struct HealthService: Sendable {
    let store: any SchemaStore & JobQueue
    let maxAttempts: Int
    let startup: StartupState

    /// Why the process is not ready, or nil when the database answers, every migration this binary knows is applied and
    /// the start-up has finished.
    func notReadyReason() async -> String? {
        guard startup.isPrepared else { return "database start-up not finished" }
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
