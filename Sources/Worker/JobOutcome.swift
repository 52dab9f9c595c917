/// What running a job produced.
public enum JobOutcome: Sendable, Equatable {
    /// Finished (including idempotent no-ops); the handler already marked the job DONE in its final transaction.
    case done
    /// Failed; worth retrying after a backoff.
    case retry(String)
    /// Failed for good (BEHAVIOR.md §2.4 permanent errors); never claimed again.
    case permanent(String)
    /// The claim was lost to a newer one; nothing to record.
    case lostClaim
}

/// Runs one claimed job of the types it handles.
public protocol JobHandler: Sendable {
    func run(_ job: ClaimedJobInfo) async -> JobOutcome
}

import Store

/// The claimed job as handlers see it.
public typealias ClaimedJobInfo = ClaimedJob
