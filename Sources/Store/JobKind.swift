/// The kinds of job the queue carries, so a job type is never a bare string. The raw value is what the
/// `jobs.job_type` column stores (and what the metrics label says).
public enum JobKind: String, Sendable, CaseIterable {
    /// One persona's reply to one post (generate-replies and battles enqueue these).
    case generateReply = "generate_reply"

    /// The kind's text as a SQL string literal, for statements and partial-index conditions.
    var sql: String { "'\(rawValue)'" }
}
