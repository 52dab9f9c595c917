import ServiceLifecycle
import Store

/// Background WAL checkpoints for as long as the process runs (`AppDatabase+Checkpoint`): commits never
/// pay for a checkpoint's fsync, and the log stays short. Stops on graceful shutdown.
struct CheckpointService: Service {
    let database: AppDatabase
    /// Seconds between PASSIVE checkpoints.
    var every: Double = 0.25

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await database.runCheckpoints(every: every)
        }
    }
}
