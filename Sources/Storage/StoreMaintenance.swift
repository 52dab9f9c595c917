import Domain

/// An engine's own background housekeeping, run for as long as the process serves (SQLite: WAL checkpoints off
/// the commit path), and the retention pruning the maintenance service runs daily.
public protocol StoreMaintenance: Sendable {
    /// Returns when the calling task is cancelled.
    func runMaintenance() async

    /// Deletes what `policy` says has outlived its window, as of `now`, in transactions of at most
    /// `policy.batchSize` rows each (a long delete never holds the writer), then gives the freed space back to the
    /// file system where the engine can. The engagement aggregates that trending, digests and the admin summary read
    /// are not pruned with the raw events, so their answers do not change.
    func prune(_ policy: RetentionPolicy, now: Timestamp) async throws -> PruneCounts
}

/// How long finished work and history are kept (the `*_RETENTION_DAYS` settings).
public struct RetentionPolicy: Sendable, Equatable {
    /// DONE jobs, and FAILED jobs with no attempt left, finished (last updated) longer ago than this.
    public var jobDays: Int
    /// Raw analytics events.
    public var eventDays: Int
    /// LLM cache entries, by when they were written.
    public var llmCacheDays: Int
    /// Notifications already read, by when they were created.
    public var readNotificationDays: Int
    /// The queue's attempt limit: a FAILED job below it is still retrying, so it is kept.
    public var maxAttempts: Int
    /// Rows deleted per transaction.
    public var batchSize: Int

    /// Raw events feed the weekly digest's "seen" battles (14 days) directly, so they are kept at least this long.
    public static let minimumEventDays = 15
    /// Days a revoked session's row is kept (expired ones go at once: their tokens are refused by `exp` anyway).
    public static let sessionGraceDays = 1
    public static let defaultBatchSize = 5_000

    public init(
        jobDays: Int = 7, eventDays: Int = 90, llmCacheDays: Int = 30, readNotificationDays: Int = 180, maxAttempts: Int,
        batchSize: Int = RetentionPolicy.defaultBatchSize
    ) {
        self.jobDays = jobDays
        self.eventDays = max(eventDays, Self.minimumEventDays)
        self.llmCacheDays = llmCacheDays
        self.readNotificationDays = readNotificationDays
        self.maxAttempts = maxAttempts
        self.batchSize = max(1, batchSize)
    }
}

/// Rows a pruning pass deleted, by table.
public struct PruneCounts: Sendable, Equatable {
    public var jobs = 0
    public var events = 0
    public var llmCache = 0
    public var notifications = 0
    /// Expired sessions, and revoked ones after `RetentionPolicy.sessionGraceDays`.
    public var sessions = 0

    public init(jobs: Int = 0, events: Int = 0, llmCache: Int = 0, notifications: Int = 0, sessions: Int = 0) {
        self.jobs = jobs
        self.events = events
        self.llmCache = llmCache
        self.notifications = notifications
        self.sessions = sessions
    }

    public var total: Int { jobs + events + llmCache + notifications + sessions }
}
