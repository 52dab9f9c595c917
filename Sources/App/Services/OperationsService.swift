import Domain
import Logging
import Storage
import Worker

/// The operator console's use cases, for admins only (the stored role): the queue and what failed, a retry, the
/// processes sharing the database, engagement per day, backups on demand and this process's health. Reads and acts
/// through `OperationsStore` only, so every engine serves it.
struct OperationsService: Sendable {
    /// Failed jobs the console lists (the newest).
    static let failedJobsShown = 50
    /// Backup files the console lists (the newest).
    static let backupFilesShown = 30
    /// Days of engagement the console charts, today included.
    static let eventDays = 30
    /// Minutes of queue throughput the console charts, this one included.
    static let throughputMinutes = 60

    let store: any OperationsStore & AccountStore & SchemaStore
    let clock: any AppClock
    let maxAttempts: Int
    /// Wakes this process's worker loops after a re-queue (other processes find it when they next poll).
    let signal: WakeSignal
    let health: LiveHealth
    let backups: ManualBackups
    let catalog: BackupCatalog
    /// `BACKUP_EVERY` (0: off) and `BACKUP_KEEP`, for the backups section.
    let schedule: (every: Double, keep: Int)
    /// This process as the nodes list names it.
    let node: NodeInfo
    let logger: Logger

    /// Throws `403 forbidden` unless `user` holds the stored admin role.
    func requireAdmin(_ user: String) async throws {
        try await AdminRole(store: store).require(user, context: "could not read the admin role")
    }

    /// The queue by state, the last hour's finished jobs per minute (every minute, oldest first) and the newest
    /// failures.
    func queue() async throws -> QueueOverview {
        let now = clock.now()
        let thisMinute = MinuteRing.minute(of: now)
        let firstMinute = thisMinute - Int64(Self.throughputMinutes - 1)
        do {
            async let summary = store.queueSummary(maxAttempts: maxAttempts, now: now)
            async let finished = store.queueThroughput(since: Timestamp(microseconds: firstMinute * 60_000_000))
            async let failed = store.failedJobs(maxAttempts: maxAttempts, limit: Self.failedJobsShown)
            var byMinute: [Int64: QueueMinute] = [:]
            for minute in try await finished { byMinute[MinuteRing.minute(of: minute.minute)] = minute }
            let minutes = (firstMinute...thisMinute).map { minute in
                byMinute[minute] ?? QueueMinute(minute: Timestamp(microseconds: minute * 60_000_000), done: 0, failed: 0)
            }
            return QueueOverview(now: now, summary: try await summary, minutes: minutes, failed: try await failed)
        } catch { throw error.asInternal("could not read the queue") }
    }

    /// Puts a job that failed for good back in the queue through the active-job guard, audited as
    /// `job_retry_requested` with the admin and the outcome; wakes this process's worker loops when it was re-queued.
    func retry(jobID: Int64, by user: String) async throws -> JobRetry {
        let outcome: JobRetry
        do { outcome = try await store.retryFailedJob(id: jobID, maxAttempts: maxAttempts, now: clock.now()) } catch {
            throw error.asInternal("could not retry the job")
        }
        let name: Logger.MetadataValue =
            switch outcome {
            case .requeued: "requeued"
            case .notFailed: "not_failed"
            case .activeJobExists: "active_job_exists"
            }
        logger.notice("job_retry_requested", metadata: ["user_id": .string(user), "job_id": .stringConvertible(jobID), "outcome": name])
        if outcome == .requeued { signal.notify() }
        return outcome
    }

    /// Processes heard from within `NodeHeartbeat.liveWindow`, newest heartbeat first.
    func liveNodes() async throws -> [NodeStatus] {
        do { return try await store.liveNodes(since: clock.now().adding(seconds: -NodeHeartbeat.liveWindow)) } catch {
            throw error.asInternal("could not read the nodes")
        }
    }

    /// Events per UTC day over the last `eventDays` days, every day present (oldest first).
    func eventsPerDay() async throws -> [DayCount] {
        let today = clock.now().startOfDay
        let first = today.adding(seconds: -Double(Self.eventDays - 1) * 86_400)
        let counts: [DayCount]
        do { counts = try await store.eventsPerDay(since: first) } catch { throw error.asInternal("could not read events per day") }
        let byDay = Dictionary(counts.map { ($0.day, $0.count) }, uniquingKeysWith: +)
        return (0..<Self.eventDays).map { index in
            let day = first.adding(seconds: Double(index) * 86_400).dateString
            return DayCount(day: day, count: byDay[day] ?? 0)
        }
    }

    /// The backups on disk (the folder is shared by every process, so a `--no-worker` process sees the scheduler's
    /// files), the one in progress in this process, and whether this engine can take one.
    func backupOverview() -> BackupOverview {
        BackupOverview(
            now: clock.now(), directory: catalog.directory, files: catalog.files(limit: Self.backupFilesShown), running: backups.gate.running,
            online: backups.backup != nil, every: schedule.every, keep: schedule.keep)
    }

    /// The live `doctor` checks, this process's LLM and rate-limit figures of the last hour, and shedding.
    func healthReport() async -> HealthReport {
        await health.report(migrations: try? await store.migrationStatus())
    }
}

/// The queue section's data.
struct QueueOverview: Sendable {
    let now: Timestamp
    let summary: QueueSummary
    /// Every minute of the window, oldest first.
    let minutes: [QueueMinute]
    let failed: [FailedJob]
}

/// The backups section's data.
struct BackupOverview: Sendable {
    let now: Timestamp
    let directory: String
    /// Newest first.
    let files: [BackupCatalog.File]
    let running: BackupGate.Running?
    /// Whether the engine has an online backup.
    let online: Bool
    let every: Double
    let keep: Int
}
