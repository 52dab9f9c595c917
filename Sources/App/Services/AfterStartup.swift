import ServiceLifecycle

/// Runs a background service that uses the store only once the database start-up has finished.
///
/// On PostgreSQL the process serves while `StoreStartup` still migrates; a worker loop, the digest scheduler or the
/// heartbeat started before that would query tables that do not exist yet and log an error each, every start. On
/// SQLite the start-up finished before the services start, so the wait returns at once. A graceful shutdown during
/// the wait ends it without running the service.
struct AfterStartup: Service {
    /// How often the wait looks at the start-up state; it lasts only while the database is being prepared.
    static let pollInterval = Duration.milliseconds(50)

    let state: StartupState
    let service: any Service

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !state.isPrepared { try await Task.sleep(for: Self.pollInterval) }
        }
        guard state.isPrepared, !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        try await service.run()
    }
}
