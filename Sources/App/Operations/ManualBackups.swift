import Domain
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// The console's "Back up now": an online backup into `BACKUP_DIR` under the manual name (`personaworlds-<stamp>.sqlite`,
/// which retention never deletes), run by this service rather than by the request, so a large database neither holds a
/// request open past its timeouts nor is cut off by the request's deadline. Through the `BackupGate`: never two at
/// once in this process, scheduled or manual. On graceful shutdown a backup in progress stops at its next step and its
/// partial file is removed, as the scheduler's does.
final class ManualBackups: Service, Sendable {
    /// How a request to start a backup ended.
    enum Start: Sendable, Equatable {
        case started(path: String)
        /// Another backup (scheduled or manual) is running.
        case busy(BackupGate.Running)
        /// The engine has no online backup (PostgreSQL: `pg_dump`).
        case unavailable
    }

    /// A finished manual backup.
    struct Finished: Sendable, Equatable {
        let path: String
        /// The verified copy's size; nil when the backup failed.
        let bytes: Int64?
    }

    /// Finished results remembered for the page that asked (the newest few).
    static let remembered = 8

    private struct Job: Sendable {
        let path: String
        let userID: String
    }

    private struct State {
        var finished: [Finished] = []
        var waiters: [(id: Int, path: String, continuation: CheckedContinuation<Finished?, Never>)] = []
        /// Waits that timed out before they were registered (so a late registration returns at once).
        var abandoned: Set<Int> = []
        var nextID = 0
    }

    let backup: (any OnlineBackup)?
    let catalog: BackupCatalog
    let gate: BackupGate
    let clock: any AppClock
    let logger: Logger
    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation
    private let state = Mutex(State())

    init(backup: (any OnlineBackup)?, catalog: BackupCatalog, gate: BackupGate, clock: any AppClock, logger: Logger) {
        self.backup = backup
        self.catalog = catalog
        self.gate = gate
        self.clock = clock
        self.logger = logger
        // The gate admits one backup at a time, so the queue never holds more than one job.
        (jobs, queue) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingNewest(1))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await job in self.jobs { await self.perform(job) }
        }
    }

    /// Starts a backup for the admin `userID` (audited as `backup_requested`), unless one is running or the engine
    /// cannot take one.
    func start(userID: String) -> Start {
        let outcome: Start
        if backup == nil {
            outcome = .unavailable
        } else {
            let now = clock.now()
            let path = catalog.manualPath(at: now)
            if let running = gate.enter(.init(path: path, trigger: "manual", startedAt: now)) {
                outcome = .busy(running)
            } else {
                queue.yield(Job(path: path, userID: userID))
                outcome = .started(path: path)
            }
        }
        var metadata: Logger.Metadata = ["user_id": .string(userID)]
        switch outcome {
        case .started(let path):
            metadata["outcome"] = "started"
            metadata["path"] = .string(path)
        case .busy(let running):
            metadata["outcome"] = "busy"
            metadata["running"] = .string(running.path)
        case .unavailable: metadata["outcome"] = "unavailable"
        }
        logger.notice("backup_requested", metadata: metadata)
        return outcome
    }

    /// The result of the backup to `path` once it has finished, waiting at most `seconds`; nil when it is still
    /// running (or unknown).
    func result(of path: String, waitingUpTo seconds: Double) async -> Finished? {
        let id: Int = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskGroup(of: Finished?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Finished?, Never>) in
                    let now: Finished?? = self.state.withLock { s in
                        if let done = s.finished.last(where: { $0.path == path }) { return .some(done) }
                        if s.abandoned.remove(id) != nil { return .some(nil) }
                        s.waiters.append((id, path, continuation))
                        return nil
                    }
                    if let now { continuation.resume(returning: now) }
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(saturating: seconds * 1e9))
                let waiter = self.state.withLock { s -> CheckedContinuation<Finished?, Never>? in
                    guard let index = s.waiters.firstIndex(where: { $0.id == id }) else {
                        s.abandoned.insert(id)
                        return nil
                    }
                    return s.waiters.remove(at: index).continuation
                }
                waiter?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The other child ends at once: the sleeper on cancellation, the waiter resumed by the sleeper.
            await group.waitForAll()
            state.withLock { _ = $0.abandoned.remove(id) }
            return first
        }
    }

    private func perform(_ job: Job) async {
        guard let backup else {
            gate.leave(path: job.path)
            return
        }
        var bytes: Int64?
        do {
            try catalog.ensureDirectory()
            let result = try await backup.backup(to: job.path, pagesPerStep: 1024, progress: nil)
            bytes = result.bytes
            logger.notice(
                "backup_completed",
                metadata: [
                    "path": .string(result.path), "bytes": .stringConvertible(result.bytes), "trigger": "manual",
                    "user_id": .string(job.userID),
                ])
        } catch is CancellationError {
            logger.info("backup_cancelled", metadata: ["path": .string(job.path), "trigger": "manual"])
        } catch {
            logger.error(
                "backup_failed",
                metadata: [
                    "path": .string(job.path), "detail": .string("\(error)"), "trigger": "manual", "user_id": .string(job.userID),
                ])
        }
        // The gate opens before the waiting form hears of it, so the page it then shows no longer says "running".
        gate.leave(path: job.path)
        finish(Finished(path: job.path, bytes: bytes))
    }

    private func finish(_ done: Finished) {
        let waiting = state.withLock { s -> [CheckedContinuation<Finished?, Never>] in
            s.finished.append(done)
            if s.finished.count > Self.remembered { s.finished.removeFirst(s.finished.count - Self.remembered) }
            let matching = s.waiters.filter { $0.path == done.path }.map(\.continuation)
            s.waiters.removeAll { $0.path == done.path }
            return matching
        }
        for continuation in waiting { continuation.resume(returning: done) }
    }
}
