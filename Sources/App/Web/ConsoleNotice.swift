import Domain

/// What the console says after one of its forms (Retry, Back up now), carried through the redirect as a code in the
/// query (`?notice=requeued&job=42`), never as text: a link someone else crafts can only make the page say one of
/// these sentences, about a job number or a backup file name of the right shape.
enum ConsoleNotice: Sendable, Equatable {
    case requeued(job: Int64)
    case retryRefused(job: Int64)
    case notFailed(job: Int64)
    case backupWritten(file: String)
    case backupRunning(file: String)
    case backupFailed(file: String)
    case backupBusy
    case backupUnavailable

    /// The sentence the page shows.
    var text: String {
        switch self {
        case .requeued(let job): "Job \(job) re-queued."
        case .retryRefused: "Another job for this post and persona is active; not re-queued."
        case .notFailed(let job): "Job \(job) has not failed for good (it may have been re-queued already); nothing changed."
        case .backupWritten(let file): "Backup written: \(file)."
        case .backupRunning(let file): "Backup \(file) started and is still running; reload this page to see it listed."
        case .backupFailed(let file): "Backup \(file) failed; the server log has the reason (backup_failed)."
        case .backupBusy: "Another backup is running; not started."
        case .backupUnavailable: "This database engine has no online backup: use pg_dump."
        }
    }

    /// Whether it reports something that did not happen.
    var isRefusal: Bool {
        switch self {
        case .requeued, .backupWritten, .backupRunning: false
        case .retryRefused, .notFailed, .backupFailed, .backupBusy, .backupUnavailable: true
        }
    }

    /// The query that carries it (after `?`).
    var query: String {
        switch self {
        case .requeued(let job): "notice=requeued&job=\(job)"
        case .retryRefused(let job): "notice=retry-refused&job=\(job)"
        case .notFailed(let job): "notice=not-failed&job=\(job)"
        case .backupWritten(let file): "notice=backup-written&file=\(file)"
        case .backupRunning(let file): "notice=backup-running&file=\(file)"
        case .backupFailed(let file): "notice=backup-failed&file=\(file)"
        case .backupBusy: "notice=backup-busy"
        case .backupUnavailable: "notice=backup-unavailable"
        }
    }

    /// The notice a query names, or nil for none or anything malformed (a job id that is not a positive number, a
    /// file name that is not a backup's).
    init?(notice: String?, job: String?, file: String?) {
        let jobID = job.flatMap { $0.utf8.count <= 19 ? Int64($0) : nil }.flatMap { $0 > 0 ? $0 : nil }
        let fileName = file.flatMap { BackupCatalog.stamp(of: $0) != nil && !$0.contains("/") ? $0 : nil }
        switch notice {
        case "requeued":
            guard let jobID else { return nil }
            self = .requeued(job: jobID)
        case "retry-refused":
            guard let jobID else { return nil }
            self = .retryRefused(job: jobID)
        case "not-failed":
            guard let jobID else { return nil }
            self = .notFailed(job: jobID)
        case "backup-written":
            guard let fileName else { return nil }
            self = .backupWritten(file: fileName)
        case "backup-running":
            guard let fileName else { return nil }
            self = .backupRunning(file: fileName)
        case "backup-failed":
            guard let fileName else { return nil }
            self = .backupFailed(file: fileName)
        case "backup-busy": self = .backupBusy
        case "backup-unavailable": self = .backupUnavailable
        default: return nil
        }
    }
}
