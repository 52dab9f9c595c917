import Domain
import Logging
import ServiceLifecycle
import Storage

/// The store engine's background housekeeping (`StoreMaintenance`, e.g. SQLite's WAL checkpoints) and the daily
/// retention pruning, for as long as the process runs; stops on graceful shutdown.
struct StoreMaintenanceService: Service {
    /// The first pruning pass runs a few minutes after start (not during a restart's busiest moment), then daily.
    static let firstPruneAfter = 300.0
    static let pruneEvery = 86_400.0

    let maintenance: any StoreMaintenance
    let retention: RetentionPolicy
    let clock: any AppClock
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await maintenance.runMaintenance() }
                group.addTask { await pruneDaily() }
            }
        }
    }

    /// Prunes once a day until cancelled; a failed pass is logged and the next one tries again (every delete is
    /// idempotent, and several processes sharing the database may each run it).
    func pruneDaily() async {
        var delay = Self.firstPruneAfter
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            guard !Task.isCancelled else { return }
            delay = Self.pruneEvery
            do {
                let pruned = try await maintenance.prune(retention, now: clock.now())
                logger.info(
                    "retention_pruned",
                    metadata: [
                        "jobs": .stringConvertible(pruned.jobs), "events": .stringConvertible(pruned.events),
                        "llm_cache": .stringConvertible(pruned.llmCache), "notifications": .stringConvertible(pruned.notifications),
                    ])
            } catch {
                logger.warning("retention_prune_failed", metadata: ["detail": .string("\(error)")])
            }
        }
    }
}
