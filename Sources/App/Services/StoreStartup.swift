import Logging
import ServiceLifecycle

/// Brings a server database up while the process already serves: runs the engine's connection pool for the whole
/// life of the service group, and meanwhile prepares the database (migrations, seed rows), retrying with backoff and a
/// log line per failed attempt until it succeeds. Until then `/readyz` answers 503 (the ping fails, or migrations are
/// pending) and requests that need the database fail with the contract's 500; nothing has to restart when the
/// server comes up. It is the first service, so it stops last, after everything that uses the store.
struct StoreStartup: Service {
    /// The first wait after a failed attempt, and the longest; each failure doubles the wait.
    static let firstRetry = 0.5
    static let maxRetry = 30.0

    /// The engine's pool (runs until graceful shutdown); nil when the engine has none.
    let pool: (any Service)?
    /// Where the database is, for the log (no credentials).
    let target: String
    let logger: Logger
    /// Marked once `prepare` succeeds (`/readyz` waits for it).
    let state: StartupState
    let prepare: @Sendable () async throws -> Void

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if let pool { group.addTask { try await pool.run() } } else { group.addTask { try? await gracefulShutdown() } }
            group.addTask { await cancelWhenGracefulShutdown { await self.prepareWithRetry() } }
        }
    }

    /// Prepares the database, retrying until it succeeds or the service is cancelled.
    func prepareWithRetry() async {
        var wait = Self.firstRetry
        var attempt = 1
        while !Task.isCancelled {
            do {
                try await prepare()
                state.markPrepared()
                logger.info("database_ready", metadata: ["database": .string(target), "attempts": .stringConvertible(attempt)])
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "database_unavailable",
                    metadata: [
                        "database": .string(target), "attempt": .stringConvertible(attempt), "retry_in_s": .stringConvertible(wait),
                        "error": .string(String(reflecting: error)),
                    ])
            }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            wait = min(Self.maxRetry, wait * 2)
            attempt += 1
        }
    }
}
