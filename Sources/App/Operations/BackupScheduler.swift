import Domain
import Logging
import ServiceLifecycle
import Storage

/// Scheduled backups (`BACKUP_EVERY`, `BACKUP_KEEP`, `BACKUP_DIR`): one online, verified backup every interval,
/// the first one interval after start (a restart loop must not fill the disk with copies), then retention keeps
/// the newest `keep` files of the scheduler's own name pattern.
///
/// It runs in the process that runs the worker (`serve`, `serve --worker-only`), never in `serve --no-worker`:
/// the worker is the background half of a split deployment, where one process should take the backups (HTTP
/// processes are scaled out and must not each copy the file), and copying pages competes for the disk with
/// requests, not with jobs that wait on the LLM anyway. Shutdown: the wait between backups ends at once, and a
/// backup in progress is stopped at its next step with its partial file removed.
struct BackupScheduler: Service {
    struct Settings: Sendable {
        /// Seconds between backups.
        var interval: Double
        var keep: Int
    }

    let backup: any OnlineBackup
    let catalog: BackupCatalog
    let clock: any AppClock
    let metrics: AppMetrics
    let settings: Settings
    let logger: Logger
    /// Shared with the console's "Back up now": a scheduled backup due while another runs is skipped, not queued.
    var gate = BackupGate()

    func run() async throws {
        metrics.announceBackups(interval: settings.interval)
        // After a restart the gauge starts from the newest backup on disk, so "time since the last backup" stays true.
        if let newest = catalog.newest() { metrics.recordBackupSuccess(at: newest.time) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .nanoseconds(Int64(saturating: settings.interval * 1e9))) }
            } catch {
                return
            }
            guard !Task.isShuttingDownGracefully else { return }
            _ = await cancelWhenGracefulShutdown { await backupOnce() }
        }
    }

    /// Takes one backup, then applies retention; records the outcome in the metrics and the log.
    @discardableResult
    func backupOnce() async -> Bool {
        let path = catalog.scheduledPath(at: clock.now())
        if let running = gate.enter(.init(path: path, trigger: "scheduled", startedAt: clock.now())) {
            logger.notice("backup_skipped", metadata: ["path": .string(path), "running": .string(running.path)])
            return false
        }
        defer { gate.leave(path: path) }
        do {
            try catalog.ensureDirectory()
            let result = try await backup.backup(to: path, pagesPerStep: 1024, progress: nil)
            metrics.recordBackupSuccess(at: clock.now())
            let removed = try catalog.prune(keep: settings.keep)
            logger.info(
                "backup_completed",
                metadata: [
                    "path": .string(result.path), "bytes": .stringConvertible(result.bytes),
                    "pruned": .stringConvertible(removed.count),
                ])
            return true
        } catch is CancellationError {
            logger.info("backup_cancelled", metadata: ["path": .string(path)])
            return false
        } catch {
            metrics.recordBackupFailure()
            logger.error("backup_failed", metadata: ["path": .string(path), "detail": .string("\(error)")])
            return false
        }
    }
}
