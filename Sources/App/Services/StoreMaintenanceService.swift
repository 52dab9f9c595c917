import ServiceLifecycle
import Storage

/// The store engine's background housekeeping (`StoreMaintenance`, e.g. SQLite's WAL checkpoints) for as long as
/// the process runs; stops on graceful shutdown.
struct StoreMaintenanceService: Service {
    let maintenance: any StoreMaintenance

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await maintenance.runMaintenance()
        }
    }
}
