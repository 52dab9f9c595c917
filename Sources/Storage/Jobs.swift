import Domain

/// The kinds of job the queue carries, so a job type is never a bare string. The raw value is what the
/// `jobs.job_type` column stores (and what the metrics label says).
public enum JobKind: String, Sendable, CaseIterable {
    /// One persona's reply to one post (generate-replies and battles enqueue these).
    case generateReply = "generate_reply"
    /// The kind's text as a SQL string literal, for statements and partial-index conditions.
    public var sql: String { "'\(rawValue)'" }
}

/// The one definition of an *active* job: waiting, running, or failed with attempts left. The enqueue
/// guard, the quota's queued count, the queue-depth metric, load shedding and the pages' "replies being
/// written" count all use it, so they agree on what the queue still owes.
public enum ActiveJob {
    /// A SQL condition over `jobs`, portable across the engines; binds one argument, the maximum number of attempts.
    ///
    /// Spelt as one `status IN (…)` and a filter, not as an `OR` of two status tests: the `IN` is a range of the
    /// `(persona_id, status)` and `(post_id, persona_id, job_type, status)` indexes on both engines, so the quota's
    /// queued count reads a persona's active jobs only. With the `OR` the planners matched the persona alone and read
    /// every DONE job the persona ever had, on every enqueue.
    public static let condition = "(status IN ('PENDING','PROCESSING','FAILED') AND (status <> 'FAILED' OR attempts < ?))"
}

/// Queue rules shared by claim, retry and depth queries.
public struct QueuePolicy: Sendable, Equatable {
    public var maxAttempts: Int
    /// A PROCESSING job older than this is claimed again (WORKER_TASK_TIMEOUT + JOB_LEASE_GRACE).
    public var leaseSeconds: Double

    public init(maxAttempts: Int, leaseSeconds: Double) {
        self.maxAttempts = maxAttempts
        self.leaseSeconds = leaseSeconds
    }
}

/// A job taken by a worker. `lockedAt` + `attempts` fence the claim: finishing writes only apply
/// while the row still carries them, so a worker whose lease expired cannot overwrite a newer claim.
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let type: String
    public let postID: String
    public let personaID: String
    public let payload: String
    public let attempts: Int
    /// The claim's stamp as the engine stored it (compared for equality only).
    public let lockedAt: String
    /// A reply job's context, read inside the claim transaction so the worker needs no separate read.
    public var prefetched: PrefetchedContext?

    public init(
        id: Int64, type: String, postID: String, personaID: String, payload: String, attempts: Int, lockedAt: String,
        prefetched: PrefetchedContext? = nil
    ) {
        self.id = id
        self.type = type
        self.postID = postID
        self.personaID = personaID
        self.payload = payload
        self.attempts = attempts
        self.lockedAt = lockedAt
        self.prefetched = prefetched
    }

    /// The job's kind; nil for a type this version does not know (it fails permanently).
    public var kind: JobKind? { JobKind(rawValue: type) }
    /// `trace_id` from the payload (the enqueuing request id), if any.
    public var traceID: String? { StoredJSON.field("trace_id", in: payload) }
    /// `template_id` from the payload (battle replies), if any.
    public var templateID: String? { StoredJSON.field("template_id", in: payload) }
}

/// The outcome of reading a reply job's context in the claim transaction.
public enum PrefetchedContext: Sendable, Equatable {
    case personaMissing
    case ready(ReplyJobContext)
}

/// Everything a `generate_reply` job needs, read in one snapshot.
public struct ReplyJobContext: Sendable, Equatable {
    public let persona: LLMPersona
    public let dailyReplyQuota: Int
    /// `var`: PostgreSQL's batch adds its own replies to what its claims read (`ReplyQuotaUse.correct`).
    public var repliesToday: Int
    public let post: Post?
    public let alreadyReplied: Bool
    public let thread: [LLMText]
    /// `var`: PostgreSQL reads a battle job's template after the claim (`attachTemplates`).
    public var template: LLMTemplate?

    public init(
        persona: LLMPersona, dailyReplyQuota: Int, repliesToday: Int, post: Post?, alreadyReplied: Bool, thread: [LLMText],
        template: LLMTemplate?
    ) {
        self.persona = persona
        self.dailyReplyQuota = dailyReplyQuota
        self.repliesToday = repliesToday
        self.post = post
        self.alreadyReplied = alreadyReplied
        self.thread = thread
        self.template = template
    }
}

/// How a reply write ended.
public enum ReplyWrite: Sendable, Equatable {
    /// The reply, its quota use and activity rows were written and the job is DONE.
    case written
    /// A reply by this persona already existed; the job is DONE with no other writes.
    case alreadyExisted
    /// The persona's reply quota filled up meanwhile; nothing was written.
    case quotaReached
    /// The claim was lost (lease expired and re-claimed); nothing was written.
    case lostClaim
}

/// Outcome of an enqueue request.
public struct EnqueueResult: Sendable, Equatable {
    public var enqueued = 0
    public var skipped = 0

    public init(enqueued: Int = 0, skipped: Int = 0) {
        self.enqueued = enqueued
        self.skipped = skipped
    }
}

/// The load signals adaptive shedding watches.
public struct ShedSignals: Sendable, Equatable {
    /// Active reply jobs.
    public let queueDepth: Int
    /// Jobs that failed since the window start and wait for a retry.
    public let recentRetries: Int

    public init(queueDepth: Int, recentRetries: Int) {
        self.queueDepth = queueDepth
        self.recentRetries = recentRetries
    }
}
