/// The one definition of an *active* job: waiting, running, or failed with attempts left. The enqueue
/// guard, the quota's queued count, the queue-depth metric, load shedding and the pages' "replies being
/// written" count all use it, so they agree on what the queue still owes.
enum ActiveJob {
    /// A SQL condition over `jobs`; binds one argument, the maximum number of attempts.
    static let condition = "(status IN ('PENDING','PROCESSING') OR (status = 'FAILED' AND attempts < ?))"
}
