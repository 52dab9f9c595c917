import Domain

/// What the operator console reads and does: the queue's state and its failures, engagement per day, and the
/// processes sharing the database.
public protocol OperationsStore: Sendable {
    /// Jobs by state, with the oldest runnable job's enqueue time.
    func queueSummary(maxAttempts: Int, now: Timestamp) async throws -> QueueSummary
    /// Jobs finished (DONE) and given up (FAILED with no attempts left) per minute since `since`, oldest first; minutes
    /// without any are absent.
    func queueThroughput(since: Timestamp) async throws -> [QueueMinute]
    /// Jobs that failed for good (no attempts left), newest first.
    func failedJobs(maxAttempts: Int, limit: Int) async throws -> [FailedJob]
    /// Puts a job that failed for good back in the queue with a fresh set of attempts, through the same active-job
    /// guard as an enqueue: refused while another job of its post and persona is active.
    func retryFailedJob(id: Int64, maxAttempts: Int, now: Timestamp) async throws -> JobRetry
    /// Events per UTC day since `since`, each (actor, event name, battle key, day) once (DECISIONS 28), oldest first.
    func eventsPerDay(since: Timestamp) async throws -> [DayCount]
    /// Records that `node` is alive at `now` (inserted on first call).
    func heartbeat(_ node: NodeInfo, now: Timestamp) async throws
    /// Processes whose last heartbeat is at or after `since`, newest heartbeat first.
    func liveNodes(since: Timestamp) async throws -> [NodeStatus]
}

/// The queue by state.
public struct QueueSummary: Sendable, Equatable {
    public let pending: Int
    public let processing: Int
    /// FAILED with attempts left: waiting to be retried.
    public let retrying: Int
    /// FAILED with no attempts left.
    public let failed: Int
    public let done: Int
    /// The enqueue time of the oldest runnable (PENDING, or FAILED with attempts left) job.
    public let oldestRunnableSince: Timestamp?

    public init(pending: Int, processing: Int, retrying: Int, failed: Int, done: Int, oldestRunnableSince: Timestamp?) {
        self.pending = pending
        self.processing = processing
        self.retrying = retrying
        self.failed = failed
        self.done = done
        self.oldestRunnableSince = oldestRunnableSince
    }
}

/// Jobs that ended in one minute.
public struct QueueMinute: Sendable, Equatable {
    public let minute: Timestamp
    public let done: Int
    public let failed: Int

    public init(minute: Timestamp, done: Int, failed: Int) {
        self.minute = minute
        self.done = done
        self.failed = failed
    }
}

/// A job that failed for good.
public struct FailedJob: Sendable, Equatable {
    public let id: Int64
    public let type: String
    public let postID: String
    public let personaID: String
    public let attempts: Int
    public let error: String
    public let failedAt: Timestamp

    public init(id: Int64, type: String, postID: String, personaID: String, attempts: Int, error: String, failedAt: Timestamp) {
        self.id = id
        self.type = type
        self.postID = postID
        self.personaID = personaID
        self.attempts = attempts
        self.error = error
        self.failedAt = failedAt
    }
}

/// How a retry request ended.
public enum JobRetry: Sendable, Equatable {
    case requeued
    /// No such job, or it has not failed for good.
    case notFailed
    /// Another job of the same post and persona is active; retrying would break the one-active-job rule.
    case activeJobExists
}

/// A count for one UTC day (`YYYY-MM-DD`).
public struct DayCount: Sendable, Equatable {
    public let day: String
    public let count: Int

    public init(day: String, count: Int) {
        self.day = day
        self.count = count
    }
}

/// A process sharing the database.
public struct NodeInfo: Sendable, Equatable {
    /// Random per process start.
    public let id: String
    /// `all`, `http` or `worker`.
    public let role: String
    public let version: String
    public let host: String
    public let pid: Int
    public let startedAt: Timestamp

    public init(id: String, role: String, version: String, host: String, pid: Int, startedAt: Timestamp) {
        self.id = id
        self.role = role
        self.version = version
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
    }
}

/// A process and its last heartbeat.
public struct NodeStatus: Sendable, Equatable {
    public let node: NodeInfo
    public let heartbeatAt: Timestamp

    public init(node: NodeInfo, heartbeatAt: Timestamp) {
        self.node = node
        self.heartbeatAt = heartbeatAt
    }
}
