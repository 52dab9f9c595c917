import Domain
import PostgresNIO
import Storage
import Synchronization

/// Group commit for the job queue's writes on PostgreSQL, on the shared `BatchWriter`, as the SQLite engine's
/// `GroupCommit`: worker loops hand their finishing writes (and the claim of their next job) over; each batch runs in
/// a single transaction, every write inside its own savepoint, and each caller resumes once that transaction has
/// committed. A write that throws rolls back only its savepoint (a failed statement would otherwise end the whole
/// transaction on PostgreSQL); the others still commit, and nothing is retried.
///
/// Why it keeps the queue's guarantees: each write runs the same fenced SQL it would run alone, in the order it was
/// handed over, and nothing is reported done before the commit. A crash before the commit loses the whole batch, the
/// same as each job's transaction not having committed: the leases expire and the jobs are claimed again.
final class PostgresGroupCommit: Sendable {
    /// One queued write: runs inside the batch's transaction and gives its outcome; it throws only when the savepoint
    /// commands themselves fail (a broken connection), which fails the whole batch.
    typealias Work = @Sendable (Connection) async throws -> Result<any Sendable, any Error>

    private let writer: BatchWriter<Work, any Sendable>

    /// `transaction` runs its body in one write transaction (the store's `write`).
    init(maxBatch: Int = 64, transaction: @escaping @Sendable (@escaping @Sendable (Connection) async throws -> Void) async throws -> Void) {
        writer = BatchWriter(maxBatch: maxBatch) { batch in
            let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
            try await transaction { connection in
                var results: [Result<any Sendable, any Error>] = []
                for work in batch { results.append(try await work(connection)) }
                outcomes.withLock { $0 = results }
            }
            return outcomes.withLock { $0 }
        }
    }

    /// Runs `body` in the next batch's transaction and returns its result after that transaction committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        let value = try await writer.submit { connection in
            try await connection.execute("SAVEPOINT group_write")
            let outcome: Result<any Sendable, any Error>
            do { outcome = .success(try await body(connection)) } catch { outcome = .failure(error) }
            if case .failure = outcome { try await connection.execute("ROLLBACK TO SAVEPOINT group_write") }
            try await connection.execute("RELEASE SAVEPOINT group_write")
            return outcome
        }
        return value as! T
    }
}
