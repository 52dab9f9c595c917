import Domain
import Foundation
import PostgresNIO
import Storage
import Synchronization

/// Group commit for the job queue's writes on PostgreSQL, on the shared `BatchWriter`, as the SQLite engine's
/// `GroupCommit`: worker loops hand their finishing writes (and the claim of their next job) over; each batch runs in
/// a single transaction, and each caller resumes once that transaction has committed.
///
/// A write that throws must cost only itself, and on PostgreSQL a failed statement ends the whole transaction. Giving
/// every write its own savepoint does that, but costs two more round trips per write (`SAVEPOINT`, `RELEASE`), about a
/// fifth of a reply job's statements. So a batch first runs optimistically, its writes one after another with no
/// savepoint. Only if one of them throws is that transaction rolled back whole (nothing of it committed, nobody was
/// told anything) and the batch run again with every write in its own savepoint: then a write that throws rolls back
/// only itself and the others commit. Writes throw rarely (a reply past its quota, a row deleted meanwhile), so the
/// second pass is the exception.
///
/// Why it keeps the queue's guarantees: each write runs the same fenced SQL it would run alone, in an order it could
/// have been handed over in, and nothing is reported done before the commit. Running a write again after its first
/// pass was rolled back is running it for the first time: the fences see the rows as they were. A crash before the
/// commit loses the whole batch, the same as each job's transaction not having committed: the leases expire and the
/// jobs are claimed again.
final class PostgresGroupCommit: Sendable {
    /// One queued write: runs inside the batch's transaction and gives its outcome. With `isolated`, it runs in its own
    /// savepoint and a failure is its outcome; without, a failure throws `WriteFailed` and ends the pass. It throws
    /// otherwise only when the savepoint commands themselves fail (a broken connection), which fails the whole batch.
    typealias Work = @Sendable (Connection, _ isolated: Bool) async throws -> Result<any Sendable, any Error>

    /// What a batch holds: writes given as code (claims of idle loops), and the workers' finishing writes given as data,
    /// which the optimistic pass runs together, set-based (`PostgresStore.finishTogether`).
    enum Item: Sendable {
        case work(Work)
        case finish(QueueFinish)
    }

    /// A write of the optimistic pass threw: the pass is rolled back and the batch runs again in savepoints.
    private struct WriteFailed: Error {}

    private let writer: BatchWriter<Item, any Sendable>

    /// `transaction` runs its body in one write transaction (the store's `write`); up to `lanes` batches are written at
    /// once, each in a transaction of its own (`PostgresStore.groupCommitLanes` says why the queue uses two).
    init(
        maxBatch: Int = 64, lanes: Int = 1,
        transaction: @escaping @Sendable (@escaping @Sendable (Connection) async throws -> Void) async throws -> Void
    ) {
        writer = BatchWriter(maxBatch: maxBatch, lanes: lanes) { batch in
            let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
            let pass: @Sendable (Bool) async throws -> Void = { isolated in
                try await transaction { connection in
                    let results = isolated ? try await Self.runIsolated(batch, connection) : try await Self.runTogether(batch, connection)
                    outcomes.withLock { $0 = results }
                }
            }
            do {
                try await pass(false)
            } catch is WriteFailed {
                try await pass(true)
            }
            return outcomes.withLock { $0 }
        }
    }

    /// The optimistic pass: the finishes together, then the other writes in order, none in a savepoint.
    private static func runTogether(_ batch: [Item], _ connection: Connection) async throws -> [Result<any Sendable, any Error>] {
        var results = [Result<any Sendable, any Error>](repeating: .failure(WriteFailed()), count: batch.count)
        var finishes: [(index: Int, finish: QueueFinish)] = []
        for (index, item) in batch.enumerated() { if case .finish(let finish) = item { finishes.append((index, finish)) } }
        if !finishes.isEmpty {
            let together: [QueueFinishOutcome]
            do { together = try await PostgresStore.finishTogether(connection, finishes.map(\.finish)) } catch { throw WriteFailed() }
            for (entry, outcome) in zip(finishes, together) { results[entry.index] = .success(outcome) }
        }
        for (index, item) in batch.enumerated() {
            if case .work(let work) = item { results[index] = try await work(connection, false) }
        }
        return results
    }

    /// The second pass: every write in its own savepoint, so one that throws costs only itself; in `isolatedOrder`.
    static func runIsolated(_ batch: [Item], _ connection: Connection) async throws -> [Result<any Sendable, any Error>] {
        var results = [Result<any Sendable, any Error>](repeating: .failure(WriteFailed()), count: batch.count)
        for index in isolatedOrder(batch) {
            switch batch[index] {
            case .work(let work): results[index] = try await work(connection, true)
            case .finish(let finish):
                results[index] = try await isolated(connection) { try await PostgresStore.finishAlone($0, finish) }
            }
        }
        return results
    }

    /// The order the second pass runs a batch in: the finishes first, as the optimistic pass runs them, those that
    /// write a reply last and in the order of their personas' ids (`StoreID.precedes`), then the other writes as
    /// handed over. Why: a reply takes its persona's quota counter row until the commit, the one row another node's
    /// batch also writes, and `AddReplyQuotaUse` takes those rows in that order; in the order handed over, this pass
    /// and another node's batch could each hold a counter the other waits for (a deadlock, which PostgreSQL breaks by
    /// failing one of them). Any order is one the loops could have handed the finishes over in.
    static func isolatedOrder(_ batch: [Item]) -> [Int] {
        var others: [Int] = []
        var replies: [(index: Int, persona: UUID)] = []
        var works: [Int] = []
        for (index, item) in batch.enumerated() {
            switch item {
            case .work: works.append(index)
            case .finish(let finish):
                if case .reply = finish.write, let persona = StoreID.parse(finish.job.personaID) {
                    replies.append((index, persona))
                } else {
                    others.append(index)
                }
            }
        }
        let ordered = replies.sorted { $0.persona == $1.persona ? $0.index < $1.index : StoreID.precedes($0.persona, $1.persona) }
        return others + ordered.map(\.index) + works
    }

    /// `body` in a savepoint: its failure is its outcome, and undoes only its own writes.
    private static func isolated(
        _ connection: Connection, _ body: (Connection) async throws -> any Sendable
    ) async throws -> Result<any Sendable, any Error> {
        try await connection.execute("SAVEPOINT group_write")
        let outcome: Result<any Sendable, any Error>
        do { outcome = .success(try await body(connection)) } catch { outcome = .failure(error) }
        if case .failure = outcome { try await connection.execute("ROLLBACK TO SAVEPOINT group_write") }
        try await connection.execute("RELEASE SAVEPOINT group_write")
        return outcome
    }

    /// Writes queued behind the batch being written (tests).
    var queuedCount: Int { writer.queuedCount }

    /// Runs `body` in the next batch's transaction and returns its result after that transaction committed.
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        let value = try await writer.submit(
            .work { connection, isolated in
                guard isolated else {
                    do { return .success(try await body(connection)) } catch { throw WriteFailed() }
                }
                return try await Self.isolated(connection) { try await body($0) }
            })
        return value as! T
    }

    /// Runs a finishing write in the next batch and returns its outcome after that batch committed.
    func finish(_ finish: QueueFinish) async throws -> QueueFinishOutcome {
        try await writer.submit(.finish(finish)) as! QueueFinishOutcome
    }
}
