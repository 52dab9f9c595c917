import Domain
import PostgresNIO
import Synchronization

/// Group commit for the job queue's writes, as the SQLite engine's `GroupCommit`: worker loops hand their finishing
/// writes (and the claim of their next job) to one writer, which runs every write queued meanwhile in a single
/// transaction, each inside its own savepoint, and resumes each caller once that transaction has committed. A write
/// that throws rolls back only its savepoint (a failed statement would otherwise end the whole transaction on
/// PostgreSQL); the others still commit, and nothing is retried.
///
/// Why it keeps the queue's guarantees: each write runs the same fenced SQL it would run alone, in the order it was
/// handed over, and nothing is reported done before the commit. A crash before the commit loses the whole batch, the
/// same as each job's transaction not having committed: the leases expire and the jobs are claimed again.
final class PostgresGroupCommit: Sendable {
    private struct Item: Sendable {
        let apply: @Sendable (Connection) async throws -> any Sendable
        let finish: @Sendable (Result<any Sendable, any Error>) -> Void
    }

    private struct State {
        var queue: [Item] = []
        var draining = false
    }

    private let state = Mutex(State())
    /// The largest batch: long enough to amortise a commit's fsync, short enough that no caller waits long (and that
    /// the claim locks a batch holds are released soon).
    let maxBatch: Int
    private let transaction: @Sendable (@escaping @Sendable (Connection) async throws -> Void) async throws -> Void

    /// `transaction` runs its body in one write transaction (the store's `write`).
    init(maxBatch: Int = 64, transaction: @escaping @Sendable (@escaping @Sendable (Connection) async throws -> Void) async throws -> Void) {
        self.maxBatch = maxBatch
        self.transaction = transaction
    }

    /// Runs `body` in the next batch's transaction and returns its result after that transaction committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let item = Item(
                apply: { connection in
                    // Errors of the write itself become its result; an error of the savepoint commands (a broken
                    // connection) is thrown and fails the batch.
                    try await connection.execute("SAVEPOINT group_write")
                    let outcome: Result<T, any Error>
                    do { outcome = .success(try await body(connection)) } catch { outcome = .failure(error) }
                    if case .failure = outcome { try await connection.execute("ROLLBACK TO SAVEPOINT group_write") }
                    try await connection.execute("RELEASE SAVEPOINT group_write")
                    return outcome
                },
                finish: { outcome in
                    switch outcome {
                    case .failure(let error): continuation.resume(throwing: error)
                    case .success(let value): continuation.resume(with: value as! Result<T, any Error>)
                    }
                })
            let startDrain = state.withLock { state -> Bool in
                state.queue.append(item)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            // The batch serves many callers, so it does not inherit the first one's deadline.
            if startDrain { Task { await RequestDeadline.$nanos.withValue(0) { await self.drain() } } }
        }
    }

    /// Commits batches until the queue is empty.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Item] in
                let taken = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            let results = Mutex<[any Sendable]>([])
            do {
                try await transaction { connection in
                    var out: [any Sendable] = []
                    out.reserveCapacity(batch.count)
                    for item in batch { out.append(try await item.apply(connection)) }
                    results.withLock { $0 = out }
                }
                let values = results.withLock { $0 }
                for (item, value) in zip(batch, values) { item.finish(.success(value)) }
            } catch {
                // The transaction did not commit: no write of the batch happened.
                for item in batch { item.finish(.failure(error)) }
            }
        }
    }
}
