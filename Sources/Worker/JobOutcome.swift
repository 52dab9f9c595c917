import Storage

/// What running a job produced.
public enum JobOutcome: Sendable, Equatable {
    /// Finished (including idempotent no-ops); the handler already marked the job DONE in its final transaction.
    case done
    /// Failed; worth retrying after a backoff.
    case retry(String)
    /// Failed for good (persona or post gone, post unpublished, quota reached, safety check, unknown type); never claimed again.
    case permanent(String)
    /// The claim was lost to a newer one; nothing to record.
    case lostClaim
}

/// Runs one claimed job of the types it handles.
public protocol JobHandler: Sendable {
    /// Runs `job`. When `claimNext` is given and the job finishes in the handler's own final transaction,
    /// the handler claims the next job in that same transaction and returns it (one write per job).
    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?)
}

extension JobOutcome {
    /// Whether recording this outcome writes the job's failure (and can chain the next claim to that write).
    var writesFailure: Bool {
        switch self {
        case .retry, .permanent: true
        case .done, .lostClaim: false
        }
    }
}
