import Domain
import GRDB
import Storage
import Synchronization

/// Group commit for the job queue's writes, on the shared `BatchWriter`. Worker loops hand their finishing writes
/// (and the claim of their next job) over; each batch runs in a single `BEGIN IMMEDIATE` transaction, every write
/// inside its own savepoint, and each caller resumes once that transaction has committed. A write that throws rolls
/// back only its savepoint; the others still commit.
///
/// Why it keeps the queue's guarantees: each write runs the same fenced SQL it would run alone, in the same order as
/// it was handed over, and nothing is reported done before the commit. A crash before the commit loses the whole
/// batch, which is the same as each job's transaction not having committed: the leases expire and the jobs are
/// claimed again.
final class GroupCommit: Sendable {
    /// One queued write: runs inside the batch's transaction and gives its outcome.
    typealias Work = @Sendable (Database) -> Result<any Sendable, any Error>

    private let writer: BatchWriter<Work, any Sendable>

    /// `transaction` runs its body in one write transaction (the store's `write`).
    init(maxBatch: Int = 64, transaction: @escaping @Sendable (@escaping @Sendable (Database) throws -> Void) async throws -> Void) {
        writer = BatchWriter(maxBatch: maxBatch) { batch in
            let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
            try await transaction { db in
                let results = batch.map { work in work(db) }
                outcomes.withLock { $0 = results }
            }
            return outcomes.withLock { $0 }
        }
    }

    /// Runs `body` in the next batch's transaction and returns its result after that transaction committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value = try await writer.submit { db in
            do {
                var value: T?
                try db.inSavepoint {
                    value = try body(db)
                    return .commit
                }
                return .success(value!)
            } catch {
                return .failure(error)
            }
        }
        return value as! T
    }
}
